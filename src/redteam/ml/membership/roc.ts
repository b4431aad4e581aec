/**
 * ROC analysis for membership inference, reported the way Carlini et al. ("Membership Inference Attacks From First
 * Principles", IEEE S&P 2022) recommend: the full ROC curve, its AUC, and the true-positive rate at low false-positive
 * rates (1% and 0.1%) rather than accuracy alone.
 */

/** One point of a ROC curve. */
export interface RocPoint {
  fpr: number;
  tpr: number;
}

/** ROC summary of an attack's scores (higher score means "member"). */
export interface RocSummary {
  auc: number;
  tprAt1PctFpr: number;
  tprAt01PctFpr: number;
  /** The curve, thinned to at most 200 points for plotting. */
  curve: RocPoint[];
}

/** Computes the ROC curve, AUC (with ties counted half) and TPR at fixed FPRs. */
export function roc(memberScores: readonly number[], nonMemberScores: readonly number[]): RocSummary {
  const all = [...memberScores.map((s) => ({ s, m: true })), ...nonMemberScores.map((s) => ({ s, m: false }))].sort(
    (a, b) => b.s - a.s,
  );
  const P = memberScores.length || 1;
  const N = nonMemberScores.length || 1;
  const curve: RocPoint[] = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  let auc = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    let dtp = 0;
    let dfp = 0;
    while (j < all.length && (all[j] as { s: number }).s === (all[i] as { s: number }).s) {
      if ((all[j] as { m: boolean }).m) dtp++;
      else dfp++;
      j++;
    }
    auc += (dfp / N) * ((tp + dtp / 2) / P);
    tp += dtp;
    fp += dfp;
    curve.push({ fpr: fp / N, tpr: tp / P });
    i = j;
  }
  const tprAt = (limit: number): number => {
    let best = 0;
    for (const p of curve) if (p.fpr <= limit + 1e-12) best = Math.max(best, p.tpr);
    return best;
  };
  const step = Math.max(1, Math.ceil(curve.length / 200));
  const thin = curve.filter((_, i) => i % step === 0 || i === curve.length - 1);
  return { auc, tprAt1PctFpr: tprAt(0.01), tprAt01PctFpr: tprAt(0.001), curve: thin };
}
