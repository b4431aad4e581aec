/**
 * The boundary attack (Brendel, Rauber & Bethge, "Decision-Based Adversarial Attacks", ICLR 2018): a labels-only
 * random walk that starts from an adversarial point and alternates an orthogonal step on the sphere around the
 * original with a step towards it, adapting both step sizes to keep about half of the proposals adversarial.
 * Minimises the L2 perturbation.
 */
import { project } from "../domain.ts";
import { dot, l2 } from "../vec.ts";
import { type AttackContext, boundarySearch, isAdversarial, randomAdversarial, type SampleOutcome } from "./common.ts";

/** Boundary attack parameters. */
export interface BoundaryOptions {
  /** Maximum queries for this input (default 5000). */
  budget?: number;
  /** Proposals per step, queried as one batch (default 5). */
  candidates?: number;
  /** Initial orthogonal step, relative to the current distance (default 0.05). */
  sphericalStep?: number;
  /** Initial step towards the original, relative to the current distance (default 0.05). */
  sourceStep?: number;
}

/** Runs the boundary attack on one correctly classified input. */
export async function boundaryAttack(
  ctx: AttackContext,
  x: readonly number[],
  label: number,
  opts: BoundaryOptions = {},
): Promise<SampleOutcome> {
  const start = ctx.oracle.queries;
  const used = () => ctx.oracle.queries - start;
  const budget = opts.budget ?? 5000;
  const k = opts.candidates ?? 5;
  const init = await randomAdversarial(ctx, x, label, Math.min(200, budget));
  if (!init) return { adversarial: null, distance: Number.POSITIVE_INFINITY, queries: used() };
  let adv = await boundarySearch(ctx, x, init, label, "l2", 1e-3);
  let dist = l2(adv.map((a, i) => a - (x[i] as number)));
  let spherical = opts.sphericalStep ?? 0.05;
  let source = opts.sourceStep ?? 0.05;
  while (used() + 2 * k <= budget && source > 1e-7 && dist > 0) {
    const sph: number[][] = [];
    const full: number[][] = [];
    for (let c = 0; c < k; c++) {
      const toward = x.map((v, i) => v - (adv[i] as number));
      const eta = ctx.domain.mutable.map((m) => (m ? ctx.rng.normal() : 0));
      const proj = dot(eta, toward) / (dist * dist);
      const orth = eta.map((e, i) => e - proj * (toward[i] as number));
      const on = l2(orth) || 1;
      const moved = adv.map((a, i) => a + (spherical * dist * (orth[i] as number)) / on);
      const rel = moved.map((m, i) => m - (x[i] as number));
      const rn = l2(rel) || 1;
      const onSphere = project(
        ctx.domain,
        x,
        rel.map((r, i) => (x[i] as number) + (r * dist) / rn),
      );
      sph.push(onSphere);
      full.push(
        project(
          ctx.domain,
          x,
          onSphere.map((s, i) => s + source * ((x[i] as number) - s)),
        ),
      );
    }
    const res = await isAdversarial(ctx.oracle, [...sph, ...full], label);
    const sphOk = res.slice(0, k).filter(Boolean).length / k;
    const fullRes = res.slice(k);
    const fullOk = fullRes.filter(Boolean).length / k;
    let best = -1;
    let bestDist = dist;
    fullRes.forEach((ok, c) => {
      if (!ok) return;
      const dd = l2((full[c] as number[]).map((v, i) => v - (x[i] as number)));
      if (dd < bestDist) {
        bestDist = dd;
        best = c;
      }
    });
    if (best >= 0) {
      adv = full[best] as number[];
      dist = bestDist;
    }
    spherical *= sphOk > 0.5 ? 1.5 : 1 / 1.5;
    spherical = Math.min(spherical, 1);
    source *= fullOk > 0.5 ? 1.5 : 1 / 1.5;
    source = Math.min(source, 0.5);
  }
  return { adversarial: adv, distance: dist, queries: used() };
}
