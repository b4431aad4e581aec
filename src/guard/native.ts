/**
 * The optional `warden_guard` addon (native/warden_guard.c): the guard classifier's per-character loops in C. The
 * JavaScript in features.ts and model.ts defines the results; the addon computes the same values faster and is
 * property-tested against it. `WARDEN_NATIVE_GUARD=0` forces the JavaScript paths.
 */
import { loadAddon } from "../core/native.ts";

export interface GuardAddon {
  /** Copies `text` into `codes` and collapses it in place by `fold`, writing `origin`; the collapsed length. */
  collapse(text: string, fold: Uint16Array, codes: Uint16Array, origin: Int32Array): number;
  /** Hashes, dedupes and sums the n-grams of a collapsed text into per-block sums; the number of n-grams. */
  blockSums(
    codes: Uint16Array,
    length: number,
    params: Int32Array,
    seeds: Int32Array,
    q: Int8Array,
    cum: Int32Array,
    cnt: Int32Array,
    tail: Int32Array,
  ): number;
}

let addon: GuardAddon | null | undefined;

/** The addon when it is built and not disabled. */
export function guardAddon(): GuardAddon | undefined {
  if (addon === undefined) addon = loadAddon<GuardAddon>("warden_guard", "WARDEN_NATIVE_GUARD") ?? null;
  return addon ?? undefined;
}

/** Which implementation the guard's hot loops use in this process. */
export function guardBackend(): "native" | "js" {
  return guardAddon() ? "native" : "js";
}
