/**
 * Privacy-budget accounting per dataset. Pure ε-DP costs (Laplace, exponential mechanism) add up by basic
 * composition (Dwork & Roth 2014, Thm 3.16); Gaussian costs add up as ρ under zero-concentrated DP (Bun & Steinke
 * 2016, Lemma 2.3) and are converted to (ε, δ) only when comparing with the budget, using all δ left after basic
 * spending: ε_total = ε_basic + ρ + 2√(ρ ln(1/δ_left)) (their Prop. 1.3).
 */
import { WardenError } from "../../core/errors.ts";
import { epsilonFromRho } from "./mechanisms.ts";

/** A dataset's budget and what has been spent from it. */
export interface BudgetState {
  dataset: string;
  epsilonTotal: number;
  deltaTotal: number;
  /** ε spent under basic composition. */
  epsilonSpent: number;
  /** δ spent under basic composition. */
  deltaSpent: number;
  /** ρ spent under zCDP composition. */
  rhoSpent: number;
  queries: number;
}

/** The privacy cost of one query. */
export interface PrivacyCost {
  epsilon: number;
  delta: number;
  rho: number;
}

/** What is left of a budget, as (ε, δ). */
export interface RemainingBudget {
  epsilon: number;
  delta: number;
}

/** The overall (ε, δ) guarantee of everything spent so far. */
export function spentEpsilon(state: Omit<BudgetState, "dataset" | "queries">): number {
  const deltaLeft = state.deltaTotal - state.deltaSpent;
  return state.epsilonSpent + epsilonFromRho(state.rhoSpent, deltaLeft);
}

/** What remains of a budget (never negative). */
export function remainingBudget(state: BudgetState): RemainingBudget {
  return {
    epsilon: Math.max(0, state.epsilonTotal - spentEpsilon(state)),
    delta: Math.max(0, state.deltaTotal - state.deltaSpent),
  };
}

/** Small tolerance so that spending exactly the remaining budget is not refused by double rounding. */
const TOLERANCE = 1e-12;

/**
 * The state after charging `cost`, or `E_DP_BUDGET_EXCEEDED` (with the remaining budget in the message) when the
 * query would take the dataset past its total ε or δ.
 */
export function charge(state: BudgetState, cost: PrivacyCost): BudgetState {
  const next: BudgetState = {
    ...state,
    epsilonSpent: state.epsilonSpent + cost.epsilon,
    deltaSpent: state.deltaSpent + cost.delta,
    rhoSpent: state.rhoSpent + cost.rho,
    queries: state.queries + 1,
  };
  const overDelta = next.deltaSpent > next.deltaTotal * (1 + TOLERANCE);
  const overEpsilon = spentEpsilon(next) > next.epsilonTotal * (1 + TOLERANCE);
  if (overDelta || overEpsilon) {
    const left = remainingBudget(state);
    const hint =
      cost.rho > 0 && state.deltaTotal - state.deltaSpent <= 0
        ? " (Gaussian queries need δ > 0 left in the budget)"
        : "";
    throw new WardenError(
      "E_DP_BUDGET_EXCEEDED",
      `privacy budget of dataset "${state.dataset}" would be exceeded${hint}: remaining ε=${fmt(left.epsilon)}, ` +
        `δ=${fmt(left.delta)}; this query needs ${describeCost(cost)}; ask for a smaller epsilon or a new budget`,
      { details: { dataset: state.dataset, remaining: left, cost } },
    );
  }
  return next;
}

function fmt(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

/** Human description of a cost, e.g. "ε=0.5" or "ρ=0.0012 (zCDP)". */
export function describeCost(cost: PrivacyCost): string {
  const parts: string[] = [];
  if (cost.epsilon > 0) parts.push(`ε=${fmt(cost.epsilon)}`);
  if (cost.delta > 0) parts.push(`δ=${fmt(cost.delta)}`);
  if (cost.rho > 0) parts.push(`ρ=${fmt(cost.rho)} (zCDP)`);
  return parts.join(", ") || "nothing";
}
