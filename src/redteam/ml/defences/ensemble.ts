/**
 * Ensemble defence: the deployed model averages the class probabilities of the target and other members (and their
 * gradients, when every member exposes one). Attacks then have to fool the average.
 */
import { WardenError } from "../../../core/errors.ts";
import type { Target } from "../targets/types.ts";
import type { Defence } from "./types.ts";

/** A target averaging its members' probabilities. */
export function ensembleTarget(members: readonly Target[], name = "ensemble"): Target {
  if (members.length === 0) throw new WardenError("E_USAGE", "an ensemble needs at least one member");
  const avg = (rows: number[][][]): number[][] => {
    const first = rows[0] ?? [];
    return first.map((row, i) => row.map((_, c) => rows.reduce((s, r) => s + (r[i]?.[c] ?? 0), 0) / rows.length));
  };
  const base: Target = {
    name,
    output: members.every((m) => m.output === "scores") ? "scores" : "labels",
    maxBatch: Math.min(...members.map((m) => m.maxBatch ?? 1024)),
    async predict(batch) {
      const outs = await Promise.all(members.map((m) => m.predict(batch)));
      const k = (outs[0]?.[0] ?? []).length;
      if (outs.some((o) => (o[0] ?? []).length !== k))
        throw new WardenError("E_REDTEAM_TARGET", `${name}: members disagree on the number of classes`);
      return avg(outs);
    },
  };
  if (!members.every((m) => m.gradient)) return base;
  return {
    ...base,
    async gradient(batch, labels) {
      return avg(await Promise.all(members.map((m) => (m.gradient as NonNullable<Target["gradient"]>)(batch, labels))));
    },
  };
}

/** The ensemble defence: the target plus `others`. */
export function ensembleDefence(others: readonly Target[]): Defence {
  return {
    name: `ensemble(${others.length + 1})`,
    async apply(target) {
      return { target: ensembleTarget([target, ...others], `ensemble(${target.name})`) };
    },
  };
}
