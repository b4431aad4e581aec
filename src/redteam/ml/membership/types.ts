/** Shared shapes for membership inference: labelled records, attack results, and per-example statistics. */
import type { RocSummary } from "./roc.ts";

/** Labelled records. */
export interface Labelled {
  x: number[][];
  y: number[];
}

/** Records known to be in the training set and records known to be out of it. */
export interface MembershipData {
  members: Labelled;
  nonMembers: Labelled;
}

/** Result of one membership-inference attack. */
export interface MembershipResult extends RocSummary {
  attack: string;
  members: number;
  nonMembers: number;
  /** Queries to the target model. */
  queries: number;
  /** Reference or shadow models trained (0 for threshold attacks). */
  modelsTrained: number;
}

/** Logit-scaled confidence φ(p) = log p − log(1 − p) (Carlini et al. 2022, §IV-C), clamped for stability. */
export function logitConfidence(p: number): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return Math.log(q) - Math.log1p(-q);
}
