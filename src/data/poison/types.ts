/** Shared result types of the poisoning detectors. */

/** Which detector raised a reason. */
export type DetectorName =
  | "label-noise"
  | "robust-z"
  | "isolation-forest"
  | "duplicate"
  | "near-duplicate"
  | "trigger"
  | "spectral";

/** Why a row is suspicious, with the detector's score in [0, 1] (0.5 is the detector's flagging threshold or above). */
export interface Reason {
  detector: DetectorName;
  score: number;
  detail: string;
}

/** One reason attached to a row (0-based index into the input). */
export interface RowReason {
  row: number;
  reason: Reason;
}

/** Maps a non-negative statistic to (0, 1) so that the detector's threshold maps to exactly 0.5. */
export function squash(statistic: number, threshold: number): number {
  if (!(statistic > 0)) return 0;
  return statistic / (statistic + threshold);
}
