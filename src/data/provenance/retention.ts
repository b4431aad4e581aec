/**
 * Retention: rules per classification or per dataset (`retain: 365d`, action `purge` or `archive`). `planRetention`
 * lists what is due (pure); `applyRetention` purges (deletes the dataset's files) or archives (envelope-encrypts them
 * into the workspace archive, then deletes the originals), and appends one ledger record per dataset.
 */
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { DataConfig } from "../../core/config/sections/data.ts";
import { encryptFile } from "../../core/crypto/index.ts";
import { WardenError } from "../../core/errors.ts";
import type { DataContext, DataTables } from "./context.ts";
import type { DatasetVersion } from "./registry.ts";

type Rule = DataConfig["retention"][number];

export interface RetentionItem {
  id: string;
  classification: string;
  registeredAt: string;
  dueAt: string;
  action: "purge" | "archive";
  rule: string;
  due: boolean;
}

const UNIT_MS = { d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 } as const;

/** Milliseconds of a retention period such as `30d`, `12w`, `7y`. */
export function retentionMs(retain: string): number {
  const m = /^(\d+)([dwy])$/.exec(retain);
  if (!m) throw new WardenError("E_CONFIG_INVALID", `retention period "${retain}" must look like 30d, 12w or 7y`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

function ruleFor(ds: DatasetVersion, rules: readonly Rule[]): Rule | undefined {
  return rules.find((r) => r.dataset === ds.name) ?? rules.find((r) => r.classification === ds.classification);
}

/** Every active dataset version governed by a rule, with when it falls due; `due` when that is not after `now`. */
export function planRetention(datasets: readonly DatasetVersion[], rules: readonly Rule[], now: Date): RetentionItem[] {
  const out: RetentionItem[] = [];
  for (const ds of datasets) {
    if (ds.status !== "active") continue;
    const rule = ruleFor(ds, rules);
    if (!rule) continue;
    const dueAt = new Date(Date.parse(ds.registeredAt) + retentionMs(rule.retain));
    out.push({
      id: ds.id,
      classification: ds.classification,
      registeredAt: ds.registeredAt,
      dueAt: dueAt.toISOString(),
      action: rule.action,
      rule:
        rule.dataset !== undefined
          ? `dataset ${rule.dataset}: ${rule.retain}`
          : `${rule.classification}: ${rule.retain}`,
      due: dueAt.getTime() <= now.getTime(),
    });
  }
  return out.sort((a, b) => a.dueAt.localeCompare(b.dueAt));
}

function filePath(ds: DatasetVersion, path: string): string {
  return path === "." ? ds.sourcePath : join(ds.sourcePath, path);
}

/** Applies the due items of `plan`; returns what was done. */
export async function applyRetention(
  ctx: DataContext,
  datasets: readonly DatasetVersion[],
  plan: readonly RetentionItem[],
): Promise<{ id: string; action: string; files: number; archive?: string }[]> {
  const byId = new Map(datasets.map((d) => [d.id, d]));
  const done: { id: string; action: string; files: number; archive?: string }[] = [];
  for (const item of plan.filter((i) => i.due)) {
    const ds = byId.get(item.id);
    if (!ds) continue;
    let archive: string | undefined;
    if (item.action === "archive") {
      archive = join(ctx.archiveDir, ds.id);
      for (const f of ds.manifest.files) {
        const out = join(archive, `${f.path === "." ? "data" : f.path}.wenc`);
        await mkdir(dirname(out), { recursive: true, mode: 0o700 });
        await encryptFile(filePath(ds, f.path), out, ctx.keys);
      }
    }
    for (const f of ds.manifest.files) await rm(filePath(ds, f.path), { force: true });
    const status = item.action === "archive" ? "archived" : "purged";
    await ctx.store.db
      .withTables<DataTables>()
      .updateTable("data_datasets")
      .set({ status, status_detail: archive ?? null })
      .where("id", "=", ds.id)
      .execute();
    await ctx.ledger.append({
      type: `data.${status}`,
      subject: ds.id,
      actor: ctx.actor,
      data: { rule: item.rule, files: ds.manifest.files.length, digest: ds.digest, archive: archive ?? null },
    });
    done.push({ id: ds.id, action: item.action, files: ds.manifest.files.length, ...(archive ? { archive } : {}) });
  }
  return done;
}
