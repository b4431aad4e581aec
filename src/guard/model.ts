/**
 * The shipped prompt-attack classifier: multinomial logistic regression (softmax over benign / injection / jailbreak)
 * on hashed n-gram features (features.ts), stored sparse and int8-quantised in `models/guard-prompt-attack.json`.
 * Inference scores every window of `window` collapsed chars at `stride` by prefix sums — the model is linear, so each
 * feature's contribution is added once however many windows overlap it — and returns the most attack-like window.
 * Long inputs therefore have no blind spot past any fixed length. When the `warden_guard` addon is built, the n-grams
 * are hashed and summed per block in C (the same integers, several times faster); windows are always evaluated here.
 */
import { readFileSync } from "node:fs";
import { WardenError } from "../core/errors.ts";
import {
  type Collapsed,
  type FeatureSettings,
  type FeatureStream,
  featureSeeds,
  featuresOfCollapsed,
  type MarkerToken,
  markerValueOf,
  tokenBucket,
} from "./features.ts";
import { Vocabulary } from "./gibberish.ts";
import { guardAddon, guardBackend } from "./native.ts";

export const CLASSES = ["benign", "injection", "jailbreak"] as const;
export const NUM_CLASSES = CLASSES.length;

/** Everything the training script recorded: settings, seed, data digests, metrics, threshold. */
export interface ModelFile {
  format: "warden-guard-linear/1";
  classes: readonly string[];
  features: FeatureSettings;
  window: number;
  stride: number;
  /** Attack score (1 − P(benign)) at or above which the classifier flags. */
  threshold: number;
  training: Record<string, unknown>;
  metrics: Record<string, unknown>;
  bias: number[];
  /** Hashed bit set of benign training words (gibberish.ts `Vocabulary`), base64; absent in older files. */
  vocabulary?: { bits: number; set: string };
  weights: { count: number; scale: number[]; indices: string; values: string };
}

/**
 * A loaded model: dense interleaved int8 weights `q[bucket * 3 + class]` (weight = q × scale[class]); 192 KB at 2^16
 * buckets, small enough to stay in cache while scoring.
 */
export interface LinearModel {
  file: ModelFile;
  features: FeatureSettings;
  window: number;
  stride: number;
  threshold: number;
  bias: Float64Array;
  q: Int8Array;
  scale: Float64Array;
  vocab?: Vocabulary;
}

/** Result of scoring one feature stream. */
export interface WindowScore {
  /** 1 − P(benign) in the worst window. */
  attack: number;
  injection: number;
  jailbreak: number;
  /** Span of that window in collapsed-text positions. */
  start: number;
  end: number;
}

function writeVarint(out: number[], v: number): void {
  let x = v;
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
}

/**
 * Prunes to the `maxFeatures` buckets with the largest weight magnitude (buckets in `keep`, the structural marker
 * tokens, are always kept), int8-quantises per class and stores the non-zero rows sparse (delta-varint bucket
 * indices, base64) for the model file.
 */
export function encodeWeights(
  weights: Float32Array,
  buckets: number,
  maxFeatures = buckets,
  keep: ReadonlySet<number> = new Set(),
): ModelFile["weights"] {
  const importance = new Float32Array(buckets);
  for (let b = 0; b < buckets; b++) {
    let m = 0;
    for (let k = 0; k < NUM_CLASSES; k++) m = Math.max(m, Math.abs(weights[b * NUM_CLASSES + k] as number));
    importance[b] = m;
  }
  const cut = maxFeatures >= buckets ? 0 : (Float32Array.from(importance).sort().reverse()[maxFeatures] ?? 0);
  for (const b of keep) if (b >= 0 && b < buckets) importance[b] = Number.POSITIVE_INFINITY;
  const scale: number[] = [];
  for (let k = 0; k < NUM_CLASSES; k++) {
    let max = 0;
    for (let b = 0; b < buckets; b++) max = Math.max(max, Math.abs(weights[b * NUM_CLASSES + k] as number));
    scale.push(max === 0 ? 1 : max / 127);
  }
  const idx: number[] = [];
  const vals: number[] = [];
  let prev = -1;
  let count = 0;
  for (let b = 0; b < buckets; b++) {
    const q = [0, 0, 0];
    let any = false;
    if ((importance[b] as number) <= cut) continue;
    for (let k = 0; k < NUM_CLASSES; k++) {
      const v = Math.round((weights[b * NUM_CLASSES + k] as number) / (scale[k] as number));
      q[k] = Math.max(-127, Math.min(127, v));
      if (q[k] !== 0) any = true;
    }
    if (!any) continue;
    writeVarint(idx, b - prev - 1);
    prev = b;
    for (const v of q) vals.push(v & 0xff);
    count++;
  }
  return {
    count,
    scale: scale.map((s) => Number(s.toPrecision(8))),
    indices: Buffer.from(idx).toString("base64"),
    values: Buffer.from(vals).toString("base64"),
  };
}

function bad(source: string, what: string): WardenError {
  return new WardenError("E_CONFIG_INVALID", `guard model ${source} is invalid: ${what}; re-run "npm run train:guard"`);
}

/** Builds a usable model from a parsed model file, validating every field. */
export function decodeModel(file: ModelFile, source = "(inline)"): LinearModel {
  if (file?.format !== "warden-guard-linear/1") throw bad(source, "unknown format");
  const f = file.features;
  if (!f || !Number.isInteger(f.bits) || f.bits < 8 || f.bits > 22) throw bad(source, "features.bits");
  if (f.markerValue !== undefined && !(typeof f.markerValue === "number" && f.markerValue > 0 && f.markerValue <= 64))
    throw bad(source, "features.markerValue");
  if (f.dedupe !== undefined && !(Number.isInteger(f.dedupe) && f.dedupe >= 0 && f.dedupe <= 1 << 20))
    throw bad(source, "features.dedupe");
  if (!Number.isInteger(file.window) || file.window < 16 || !Number.isInteger(file.stride) || file.stride < 1) {
    throw bad(source, "window/stride");
  }
  if (!Array.isArray(file.bias) || file.bias.length !== NUM_CLASSES) throw bad(source, "bias");
  const buckets = 1 << f.bits;
  const q8 = new Int8Array(buckets * NUM_CLASSES);
  const idx = Buffer.from(file.weights.indices, "base64");
  const vals = Buffer.from(file.weights.values, "base64");
  if (vals.length !== file.weights.count * NUM_CLASSES) throw bad(source, "weights.values length");
  if (!Array.isArray(file.weights.scale) || file.weights.scale.length !== NUM_CLASSES)
    throw bad(source, "weights.scale");
  let p = 0;
  let b = -1;
  for (let n = 0; n < file.weights.count; n++) {
    let delta = 0;
    let shift = 0;
    for (;;) {
      if (p >= idx.length) throw bad(source, "weights.indices truncated");
      const byte = idx[p++] as number;
      delta |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
      shift += 7;
      if (shift > 28) throw bad(source, "weights.indices varint");
    }
    b += delta + 1;
    if (b >= buckets) throw bad(source, "weight index out of range");
    for (let k = 0; k < NUM_CLASSES; k++) {
      const q = ((vals[n * NUM_CLASSES + k] as number) << 24) >> 24;
      q8[b * NUM_CLASSES + k] = q;
    }
  }
  let vocab: Vocabulary | undefined;
  if (file.vocabulary !== undefined) {
    const { bits, set } = file.vocabulary;
    if (!Number.isInteger(bits) || bits < 8 || bits > 24 || typeof set !== "string") throw bad(source, "vocabulary");
    const bytes = Buffer.from(set, "base64");
    if (bytes.length !== 1 << (bits - 3)) throw bad(source, "vocabulary length");
    vocab = new Vocabulary(bits, new Uint8Array(bytes));
  }
  return {
    ...(vocab !== undefined ? { vocab } : {}),
    file,
    features: f,
    window: file.window,
    stride: file.stride,
    threshold: file.threshold,
    bias: Float64Array.from(file.bias),
    q: q8,
    scale: Float64Array.from(file.weights.scale),
  };
}

let shipped: LinearModel | undefined;

/** The model file shipped with Warden (`models/guard-prompt-attack.json`), loaded once on first use. */
export function shippedModel(): LinearModel {
  if (shipped === undefined) {
    const url = new URL("../../models/guard-prompt-attack.json", import.meta.url);
    let parsed: ModelFile;
    try {
      parsed = JSON.parse(readFileSync(url, "utf8")) as ModelFile;
    } catch (e) {
      throw new WardenError("E_CONFIG_INVALID", `cannot read the guard model ${url.pathname}: ${String(e)}`, {
        cause: e,
      });
    }
    shipped = decodeModel(parsed, url.pathname);
  }
  return shipped;
}

/** Where the windows of a text of `length` collapsed chars fall. */
interface WindowGrid {
  length: number;
  /** Window length (the whole text when shorter) and the step between window starts. */
  window: number;
  step: number;
  /**
   * Prefix sums are kept per block of `unit` chars: every window start is a multiple of the stride and, when the window
   * is a multiple of it too, every window end as well, so one sum per block suffices (64× less memory and work than
   * per char).
   */
  unit: number;
  blocks: number;
  /** Start of the last window when it falls off the grid (it is summed directly), else `length`. */
  tailStart: number;
}

function gridOf(model: LinearModel, length: number): WindowGrid {
  const step = Math.max(1, model.stride);
  const window = Math.min(model.window, length);
  const unit = window % step === 0 ? step : 1;
  const tailStart = length > window && (length - window) % step !== 0 ? length - window : length;
  return { length, window, step, unit, blocks: Math.ceil(length / unit), tailStart };
}

/**
 * Raw int8 weight sums of the n-grams: `cum[(block + 1) * 3 + k]` and `cnt[block + 1]` per block (prefix-summed by
 * {@link bestWindow}), and the three sums and the n-gram count of the off-grid last window in `tail`.
 */
interface BlockSums {
  cum: Int32Array;
  cnt: Int32Array;
  tail: Int32Array;
}

function emptySums(g: WindowGrid): BlockSums {
  return {
    cum: new Int32Array((g.blocks + 1) * NUM_CLASSES),
    cnt: new Int32Array(g.blocks + 1),
    tail: new Int32Array(NUM_CLASSES + 1),
  };
}

/** Adds the n-grams of a feature stream into per-block sums. */
function sumStream(model: LinearModel, fs: FeatureStream, g: WindowGrid): BlockSums {
  const sums = emptySums(g);
  const { cum, cnt, tail } = sums;
  const q = model.q;
  const unit = g.unit;
  const tailStart = g.tailStart;
  for (let i = 0; i < fs.markerFrom; i++) {
    const pos = fs.pos[i] as number;
    const blk = ((pos / unit) | 0) + 1;
    const p = blk * 3;
    const b = (fs.bucket[i] as number) * 3;
    const q0 = q[b] as number;
    const q1 = q[b + 1] as number;
    const q2 = q[b + 2] as number;
    cum[p] = (cum[p] as number) + q0;
    cum[p + 1] = (cum[p + 1] as number) + q1;
    cum[p + 2] = (cum[p + 2] as number) + q2;
    cnt[blk] = (cnt[blk] as number) + 1;
    if (pos >= tailStart) {
      tail[0] = (tail[0] as number) + q0;
      tail[1] = (tail[1] as number) + q1;
      tail[2] = (tail[2] as number) + q2;
      tail[3] = (tail[3] as number) + 1;
    }
  }
  return sums;
}

/** A marker feature: its collapsed position and bucket. */
interface MarkerFeature {
  pos: number;
  bucket: number;
}

/**
 * The most attack-like window, given the n-gram block sums and the marker features. A window's class probabilities
 * are the softmax of: bias + (n-gram weight sums) / sqrt(n) (n = its n-gram count) + the weights of the distinct
 * marker tokens in it.
 */
function bestWindow(
  model: LinearModel,
  g: WindowGrid,
  sums: BlockSums,
  markers: readonly MarkerFeature[],
): WindowScore {
  const { cum, cnt, tail } = sums;
  const { unit, blocks, tailStart, window: W, length: L, step } = g;
  for (let p = 1; p <= blocks; p++) {
    const a = p * 3;
    cum[a] = (cum[a] as number) + (cum[a - 3] as number);
    cum[a + 1] = (cum[a + 1] as number) + (cum[a - 2] as number);
    cum[a + 2] = (cum[a + 2] as number) + (cum[a - 1] as number);
    cnt[p] = (cnt[p] as number) + (cnt[p - 1] as number);
  }
  const q = model.q;
  const [s0, s1, s2] = model.scale as unknown as [number, number, number];
  const [b0, b1, b2] = model.bias as unknown as [number, number, number];
  const mv = markerValueOf(model.features);
  const seen = new Set<number>();
  // Marker positions in order, to skip the (usually many) windows that hold none.
  const sorted = Int32Array.from(markers, (m) => m.pos).sort();
  const markersIn = (a: number, e: number): boolean => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < a) lo = mid + 1;
      else hi = mid;
    }
    return lo < sorted.length && (sorted[lo] as number) < e;
  };
  const best: WindowScore = { attack: -1, injection: 0, jailbreak: 0, start: 0, end: W };
  // Window starts on the grid, then the last window when it is off the grid; a text shorter than a window has one.
  const lastOffGrid = L - W > 0 && (L - W) % step !== 0;
  for (let a = 0, more = true; more; ) {
    const e = a + W;
    let r0: number;
    let r1: number;
    let r2: number;
    let n: number;
    if (a === tailStart) {
      r0 = tail[0] as number;
      r1 = tail[1] as number;
      r2 = tail[2] as number;
      n = tail[3] as number;
    } else {
      const ba = (a / unit) * 3;
      const be = Math.ceil(e / unit);
      r0 = (cum[be * 3] as number) - (cum[ba] as number);
      r1 = (cum[be * 3 + 1] as number) - (cum[ba + 1] as number);
      r2 = (cum[be * 3 + 2] as number) - (cum[ba + 2] as number);
      n = (cnt[be] as number) - (cnt[ba / 3] as number);
    }
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    if (markersIn(a, e)) {
      seen.clear();
      for (const m of markers) {
        if (m.pos < a || m.pos >= e || seen.has(m.bucket)) continue;
        seen.add(m.bucket);
        const w = m.bucket * 3;
        m0 += (q[w] as number) * s0 * mv;
        m1 += (q[w + 1] as number) * s1 * mv;
        m2 += (q[w + 2] as number) * s2 * mv;
      }
    }
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    const l0 = b0 + r0 * s0 * inv + m0;
    const l1 = b1 + r1 * s1 * inv + m1;
    const l2 = b2 + r2 * s2 * inv + m2;
    const max = Math.max(Math.max(Math.max(Number.NEGATIVE_INFINITY, l0), l1), l2);
    const e0 = Math.exp(l0 - max);
    const e1 = Math.exp(l1 - max);
    const e2 = Math.exp(l2 - max);
    const sum = 0 + e0 + e1 + e2;
    const attack = 1 - e0 / sum;
    if (attack > best.attack) {
      best.attack = attack;
      best.injection = e1 / sum;
      best.jailbreak = e2 / sum;
      best.start = a;
      best.end = e;
    }
    if (a + step + W <= L) a += step;
    else if (lastOffGrid && a !== L - W) a = L - W;
    else more = false;
  }
  return best;
}

/**
 * Scores every window of a feature stream and returns the most attack-like one. Windows are `model.window` collapsed
 * chars long at the model's stride, plus one ending at the text end; a shorter text is one window.
 */
export function scoreStream(model: LinearModel, fs: FeatureStream): WindowScore {
  const g = gridOf(model, fs.length);
  const markers: MarkerFeature[] = [];
  for (let i = fs.markerFrom; i < fs.count; i++)
    markers.push({ pos: fs.pos[i] as number, bucket: fs.bucket[i] as number });
  return bestWindow(model, g, sumStream(model, fs, g), markers);
}

/**
 * Scores a collapsed text with its marker tokens: the same result as `scoreStream` over `featuresOfCollapsed`, from
 * the native scorer when it is built (n-grams are hashed and summed in one pass, never materialised) or in JavaScript.
 * `features` is the number of features (n-grams and markers); `backend` picks one explicitly (tests compare them).
 */
export function scoreCollapsed(
  model: LinearModel,
  c: Collapsed,
  markers: readonly MarkerToken[],
  backend = guardBackend(),
): { window: WindowScore; features: number } {
  const addon = backend === "native" ? guardAddon() : undefined;
  if (backend === "native" && !addon) throw new WardenError("E_INTERNAL", "the native guard scorer is not available");
  if (!addon) {
    const fs = featuresOfCollapsed(c, model.features, markers);
    return { window: fs.count > 0 ? scoreStream(model, fs) : NO_WINDOW, features: fs.count };
  }
  const f = model.features;
  const g = gridOf(model, c.length);
  const sums = emptySums(g);
  const params = Int32Array.of(f.charMin, f.charMax, f.wordBigrams ? 1 : 0, f.dedupe ?? 0, f.bits, g.unit, g.tailStart);
  const ngrams = addon.blockSums(c.codes, c.length, params, featureSeeds(f), model.q, sums.cum, sums.cnt, sums.tail);
  const features = ngrams + markers.length;
  if (features === 0) return { window: NO_WINDOW, features };
  const marks = markers.map((m) => ({ pos: m.pos, bucket: tokenBucket(m.token, f.bits) }));
  return { window: bestWindow(model, g, sums, marks), features };
}

const NO_WINDOW: WindowScore = Object.freeze({ attack: 0, injection: 0, jailbreak: 0, start: 0, end: 0 });
