/**
 * Backdoor-trigger search: a token (word, word bigram, or `column=value`) that appears in few rows but predicts one
 * label almost perfectly, beyond what the rest of the row's content predicts. For a candidate T with support rows S
 * (purity ≥ 0.9 for label y), each row's content prediction q_i = p(y | x_i without T) comes from a multinomial naive
 * Bayes model trained on the other rows (leave-one-out; McCallum & Nigam 1998), ignoring every feature that occurs only
 * inside S and in at least half of it (T itself and the rest of an inserted phrase). T is flagged when the mean q̄ is at
 * most 0.6 and the observed agreement is improbable under the Poisson-binomial distribution of independent
 * Bernoulli(q_i) trials, at a family-wise level of 0.05 over the candidates tested (Bonferroni). A natural
 * label-bearing word fails the test because the rest of its rows' content predicts the same label; a planted trigger
 * (Chen et al., "Targeted Backdoor Attacks on Deep Learning Systems Using Data Poisoning", 2017) passes it because
 * the content says otherwise. With a `known` test (reference mode), a trigger whose tokens together already predict the
 * same label in trusted data is not reported: the association is not new.
 */
import { lnGamma } from "../validate/stats.ts";
import { type FeatureSet, fnv1a } from "./features.ts";
import { type RowReason, squash } from "./types.ts";

/** A flagged trigger. */
export interface Trigger {
  /** The token(s); several tokens with the same support rows (a phrase) are merged. */
  tokens: string[];
  label: string;
  support: number;
  purity: number;
  /** Mean probability of `label` predicted from the rest of the content (naive Bayes without the token). */
  contentAgreement: number;
  /** −log10 of the Poisson-binomial tail probability of the observed agreement. */
  significance: number;
  rows: number[];
}

/** Options of the trigger search. */
export interface TriggerOptions {
  minSupport: number;
  maxFraction: number;
  minPurity: number;
  /** Family-wise false-alarm level over all candidates tested (Bonferroni). */
  alpha: number;
  maxCandidates: number;
}

export const DEFAULT_TRIGGER_OPTIONS: TriggerOptions = {
  minSupport: 5,
  maxFraction: 0.1,
  minPurity: 0.9,
  alpha: 0.05,
  maxCandidates: 2000,
};

/** −log10 P(X ≥ m) for X the number of successes among independent Bernoulli(p_i) trials (Poisson binomial). */
export function poissonBinomialSignificance(ps: readonly number[], m: number): number {
  if (m <= 0) return 0;
  // dist[j] = P(j successes so far), by the standard O(n²) recursion.
  let dist = new Float64Array(ps.length + 1);
  dist[0] = 1;
  ps.forEach((p, i) => {
    const next = new Float64Array(ps.length + 1);
    for (let j = 0; j <= i; j++) {
      next[j]! += dist[j]! * (1 - p);
      next[j + 1]! += dist[j]! * p;
    }
    dist = next;
  });
  let tail = 0;
  for (let j = m; j <= ps.length; j++) tail += dist[j]!;
  return tail > 0 ? Math.min(300, -Math.log10(tail)) : 300;
}

/** −log10 P(Binomial(n, p) ≥ m). */
export function binomialTailSignificance(n: number, m: number, p: number): number {
  if (m <= 0) return 0;
  if (p <= 0) return Number.POSITIVE_INFINITY;
  if (p >= 1) return 0;
  const lnC = (k: number) => lnGamma(n + 1) - lnGamma(k + 1) - lnGamma(n - k + 1);
  let maxTerm = Number.NEGATIVE_INFINITY;
  const terms: number[] = [];
  for (let j = m; j <= n; j++) {
    const t = lnC(j) + j * Math.log(p) + (n - j) * Math.log1p(-p);
    terms.push(t);
    if (t > maxTerm) maxTerm = t;
  }
  let s = 0;
  for (const t of terms) s += Math.exp(t - maxTerm);
  return Math.max(0, -(maxTerm + Math.log(s)) / Math.LN10);
}

const NB_DIMS = 1 << 16;
/** Per-row content probabilities are kept inside [Q_FLOOR, 1 − Q_FLOOR]: naive Bayes is overconfident. */
const Q_FLOOR = 0.01;
const MIN_DF = 3;
/** A trigger candidate is tested only when the rest of the content predicts its label with mean probability at most this. */
const MAX_CONTENT_AGREEMENT = 0.6;

/** Multinomial naive Bayes over hashed content features, trained once; predictions can leave a set of rows out. */
class ContentModel {
  readonly counts: Float64Array[];
  readonly totals: number[];
  readonly classRows: number[];
  readonly rowFeatures: Map<number, number>[];
  readonly #labels: readonly number[];

  constructor(content: readonly string[][], labels: readonly number[], classes: number) {
    const hashed = content.map((items) => {
      const m = new Map<number, number>();
      for (const it of items) {
        const h = fnv1a(it) % NB_DIMS;
        m.set(h, (m.get(h) ?? 0) + 1);
      }
      return m;
    });
    // Features seen in fewer than MIN_DF rows carry no class evidence but bias smoothed naive Bayes towards the class
    // with less text; they are left out.
    const df = new Uint32Array(NB_DIMS);
    for (const m of hashed) for (const h of m.keys()) df[h]! += 1;
    this.rowFeatures = hashed.map((m) => {
      for (const h of [...m.keys()]) if (df[h]! < MIN_DF) m.delete(h);
      return m;
    });
    this.#labels = labels;
    this.counts = Array.from({ length: classes }, () => new Float64Array(NB_DIMS));
    this.totals = new Array<number>(classes).fill(0);
    this.classRows = new Array<number>(classes).fill(0);
    this.rowFeatures.forEach((m, i) => {
      const c = labels[i]!;
      this.classRows[c]! += 1;
      for (const [h, n] of m) {
        this.counts[c]![h]! += n;
        this.totals[c]! += n;
      }
    });
  }

  /**
   * p(label | content) for each row of `rows`, each from the model without that row's own counts (leave-one-out, so
   * a row's rare words do not vouch for its own label), ignoring the features in `removed`.
   */
  posteriorsWithout(rows: readonly number[], label: number, removed: ReadonlySet<number>): number[] {
    const classes = this.counts.length;
    const n = this.#labels.length - 1;
    return rows.map((i) => {
      const own = this.#labels[i]!;
      const features = this.rowFeatures[i]!;
      let ownTotal = 0;
      for (const k of features.values()) ownTotal += k;
      const scores = this.counts.map((cnt, c) => {
        const mine = c === own;
        const denom = this.totals[c]! - (mine ? ownTotal : 0) + NB_DIMS;
        let s = Math.log((this.classRows[c]! - (mine ? 1 : 0) + 1) / (n + classes));
        for (const [h, k] of features) {
          if (removed.has(h)) continue;
          s += k * Math.log((cnt[h]! - (mine ? k : 0) + 1) / denom);
        }
        return s;
      });
      const max = Math.max(...scores);
      let z = 0;
      for (const s of scores) z += Math.exp(s - max);
      return Math.exp(scores[label]! - max) / z;
    });
  }
}

/** Finds triggers among the rows' tokens; the content model uses the words (text) or binned values (tables). */
export function detectTriggers(
  features: FeatureSet,
  labels: readonly number[],
  labelNames: readonly string[],
  options: Partial<TriggerOptions> = {},
  known?: (tokens: readonly string[], label: string) => boolean,
): { triggers: Trigger[]; reasons: RowReason[] } {
  const o = { ...DEFAULT_TRIGGER_OPTIONS, ...options };
  const n = labels.length;
  const index = new Map<string, number[]>();
  features.tokens.forEach((tokens, i) => {
    for (const t of tokens) {
      const list = index.get(t);
      if (list) list.push(i);
      else index.set(t, [i]);
    }
  });
  const maxSupport = Math.max(o.minSupport, Math.floor(o.maxFraction * n));
  const prior = labelNames.map((_, c) => labels.filter((y) => y === c).length / n);
  const candidates: { token: string; rows: number[]; label: number; purity: number; surprise: number }[] = [];
  for (const [token, rows] of index) {
    if (rows.length < o.minSupport || rows.length > maxSupport) continue;
    const counts = new Array<number>(labelNames.length).fill(0);
    for (const i of rows) counts[labels[i]!]! += 1;
    let label = 0;
    for (let c = 1; c < counts.length; c++) if (counts[c]! > counts[label]!) label = c;
    const purity = counts[label]! / rows.length;
    if (purity >= o.minPurity) {
      const surprise = binomialTailSignificance(rows.length, counts[label]!, prior[label]!);
      candidates.push({ token, rows, label, purity, surprise });
    }
  }
  // The most surprising under the label prior first: the content test below is the expensive part.
  candidates.sort((a, b) => b.surprise - a.surprise);
  const model = new ContentModel(
    features.kind === "text" ? features.tokens : features.shingles,
    labels,
    labelNames.length,
  );
  const postings = new Map<number, number[]>();
  model.rowFeatures.forEach((m, i) => {
    for (const h of m.keys()) {
      const list = postings.get(h);
      if (list) list.push(i);
      else postings.set(h, [i]);
    }
  });
  const found = new Map<string, Trigger>();
  const tested = candidates.slice(0, o.maxCandidates);
  const threshold = -Math.log10(o.alpha / Math.max(1, tested.length));
  for (const c of tested) {
    // Features that occur only inside the support rows: the token and whatever was inserted with it. An inserted
    // phrase is in every support row, so the first row's features are the ones to test.
    const members = new Set(c.rows);
    const minShared = Math.max(2, Math.ceil(members.size / 2));
    const removed = new Set<number>();
    for (const h of model.rowFeatures[c.rows[0]!]!.keys()) {
      const rows = postings.get(h)!;
      if (rows.length >= minShared && rows.length <= members.size && rows.every((r) => members.has(r))) removed.add(h);
    }
    const qs = model
      .posteriorsWithout(c.rows, c.label, removed)
      .map((p) => Math.min(1 - Q_FLOOR, Math.max(Q_FLOOR, p)));
    const q = qs.reduce((a, b) => a + b, 0) / qs.length;
    if (q > MAX_CONTENT_AGREEMENT) continue;
    const significance = poissonBinomialSignificance(qs, Math.round(c.purity * c.rows.length));
    if (significance < threshold) continue;
    const rows = c.rows.filter((i) => labels[i] === c.label);
    const key = `${c.label}:${rows.join(",")}`;
    const existing = found.get(key);
    if (existing) existing.tokens.push(c.token);
    else {
      found.set(key, {
        tokens: [c.token],
        label: labelNames[c.label]!,
        support: c.rows.length,
        purity: c.purity,
        contentAgreement: q,
        significance,
        rows,
      });
    }
  }
  const triggers = [...found.values()]
    .filter((t) => !known?.(t.tokens, t.label))
    .sort((a, b) => b.significance - a.significance);
  const reasons: RowReason[] = [];
  for (const t of triggers) {
    const shown = t.tokens
      .slice(0, 5)
      .map((s) => JSON.stringify(s))
      .join(", ");
    for (const row of t.rows) {
      reasons.push({
        row,
        reason: {
          detector: "trigger",
          score: squash(t.significance, threshold),
          detail: `contains ${shown}: ${Math.round(t.purity * t.support)} of ${t.support} rows with it are "${t.label}", while similar rows without it are "${t.label}" with probability ${t.contentAgreement.toFixed(2)}`,
        },
      });
    }
  }
  return { triggers, reasons };
}
