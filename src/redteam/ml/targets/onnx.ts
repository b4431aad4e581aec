/**
 * ONNX model adapter over onnxruntime-node, an optional dependency loaded on demand (its install script is disabled, so
 * the native binary ships in the package). The model takes one float32 input [batch, features] and its first output
 * (or the one named) is probabilities, logits or labels, normalised like every other target.
 */
import { WardenError } from "../../../core/errors.ts";
import { normaliseOutputs, type Target } from "./types.ts";

interface OrtTensor {
  data: ArrayLike<number | bigint>;
  dims: readonly number[];
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface OrtModule {
  InferenceSession: { create(path: string): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

/** Options for an ONNX target. */
export interface OnnxTargetOptions {
  /** Output to read (default: the first output). */
  outputName?: string;
  /** Classes, for models whose output is a label per input. */
  numClasses?: number;
}

async function loadOrt(): Promise<OrtModule> {
  try {
    const mod = (await import("onnxruntime-node")) as unknown as OrtModule & { default?: OrtModule };
    return mod.InferenceSession ? mod : (mod.default as OrtModule);
  } catch (e) {
    throw new WardenError(
      "E_REDTEAM_TARGET",
      "onnxruntime-node is not installed; install the optional dependency to assess ONNX models",
      { cause: e },
    );
  }
}

/** Opens `path` with onnxruntime-node and returns it as a Target. */
export async function onnxTarget(path: string, opts: OnnxTargetOptions = {}): Promise<Target> {
  const ort = await loadOrt();
  let session: OrtSession;
  try {
    session = await ort.InferenceSession.create(path);
  } catch (e) {
    throw new WardenError("E_REDTEAM_TARGET", `cannot open ONNX model ${path}: ${(e as Error).message}`, { cause: e });
  }
  const inputName = session.inputNames[0];
  const outputName = opts.outputName ?? session.outputNames[0];
  if (!inputName || !outputName || !session.outputNames.includes(outputName))
    throw new WardenError("E_REDTEAM_TARGET", `ONNX model ${path} has no input or no output "${outputName}"`);
  return {
    name: `onnx:${path}`,
    output: "scores",
    maxBatch: 512,
    async predict(batch) {
      const d = batch[0]?.length ?? 0;
      const flat = new Float32Array(batch.length * d);
      batch.forEach((row, i) => {
        flat.set(row, i * d);
      });
      const res = await session.run({ [inputName]: new ort.Tensor("float32", flat, [batch.length, d]) });
      const t = res[outputName];
      if (!t) throw new WardenError("E_REDTEAM_TARGET", `ONNX model ${path} did not produce output ${outputName}`);
      const values = Array.from(t.data, Number);
      const rows: unknown[] =
        t.dims.length <= 1
          ? values
          : batch.map((_, i) =>
              values.slice((i * values.length) / batch.length, ((i + 1) * values.length) / batch.length),
            );
      return normaliseOutputs(rows, batch.length, opts.numClasses);
    },
    async close() {
      await session.release?.();
    },
  };
}
