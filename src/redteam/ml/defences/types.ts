/**
 * A defence as deployed: the model the attacker queries (possibly changed, e.g. an ensemble) plus an optional
 * detector that rejects suspicious inputs (e.g. feature squeezing, bounds checks). The evasion report runs every
 * attack against every defence and counts an attack as successful only when its example is misclassified and not
 * flagged.
 */
import type { Target } from "../targets/types.ts";

/** A deployed defence around a target. */
export interface DefendedModel {
  target: Target;
  /** True for inputs the defence flags as adversarial or invalid. */
  detect?(batch: number[][]): Promise<boolean[]>;
}

/** A defence to compare. */
export interface Defence {
  readonly name: string;
  apply(target: Target): Promise<DefendedModel>;
}

/** No defence: the baseline row of the report. */
export const noDefence: Defence = {
  name: "none",
  async apply(target) {
    return { target };
  },
};
