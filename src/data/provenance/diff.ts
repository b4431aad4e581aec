/**
 * Compares a registered manifest with the files on disk now: added, removed and changed files, and for CSV/JSONL
 * files the rows (1-based record numbers) that were added, removed or changed.
 */
import type { Manifest } from "./manifest.ts";
import { RECORD_DIGEST_BYTES } from "./records.ts";

export interface RowChanges {
  /** Records whose content differs at the same position (the file kept its record count). */
  changed: number[];
  /** Records present now whose content was not in the registered file. */
  added: number[];
  /** Records of the registered file whose content is gone. */
  removed: number[];
}

export interface FileChange {
  path: string;
  oldSha256: string;
  newSha256: string;
  rows?: RowChanges;
}

export interface ManifestDiff {
  same: boolean;
  added: string[];
  removed: string[];
  changed: FileChange[];
}

const MAX_ROWS_LISTED = 1000;

function split(records: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + RECORD_DIGEST_BYTES <= records.length; i += RECORD_DIGEST_BYTES) {
    out.push(records.subarray(i, i + RECORD_DIGEST_BYTES).toString("hex"));
  }
  return out;
}

/** Locates changed records: position by position when the count is unchanged, by content otherwise. */
export function diffRecords(before: Buffer, after: Buffer): RowChanges {
  const a = split(before);
  const b = split(after);
  const result: RowChanges = { changed: [], added: [], removed: [] };
  if (a.length === b.length) {
    for (let i = 0; i < a.length && result.changed.length < MAX_ROWS_LISTED; i++)
      if (a[i] !== b[i]) result.changed.push(i + 1);
    return result;
  }
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const inA = count(a);
  const inB = count(b);
  const budget = new Map(inA);
  b.forEach((d, i) => {
    const left = budget.get(d) ?? 0;
    if (left > 0) budget.set(d, left - 1);
    else if (result.added.length < MAX_ROWS_LISTED) result.added.push(i + 1);
  });
  const back = new Map(inB);
  a.forEach((d, i) => {
    const left = back.get(d) ?? 0;
    if (left > 0) back.set(d, left - 1);
    else if (result.removed.length < MAX_ROWS_LISTED) result.removed.push(i + 1);
  });
  return result;
}

/** Differences between the registered manifest and the current one (record digests by path, where known). */
export function diffManifests(
  registered: Manifest,
  registeredRecords: ReadonlyMap<string, Buffer>,
  current: Manifest,
  currentRecords: ReadonlyMap<string, Buffer>,
): ManifestDiff {
  const before = new Map(registered.files.map((f) => [f.path, f]));
  const after = new Map(current.files.map((f) => [f.path, f]));
  const added = [...after.keys()].filter((p) => !before.has(p));
  const removed = [...before.keys()].filter((p) => !after.has(p));
  const changed: FileChange[] = [];
  for (const [path, old] of before) {
    const now = after.get(path);
    if (!now || now.sha256 === old.sha256) continue;
    const oldRecords = registeredRecords.get(path);
    const newRecords = currentRecords.get(path);
    changed.push({
      path,
      oldSha256: old.sha256,
      newSha256: now.sha256,
      ...(oldRecords && newRecords ? { rows: diffRecords(oldRecords, newRecords) } : {}),
    });
  }
  return { same: added.length === 0 && removed.length === 0 && changed.length === 0, added, removed, changed };
}
