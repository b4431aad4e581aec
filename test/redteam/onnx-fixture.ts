/**
 * Builds a tiny ONNX model in code — logistic/softmax regression as Gemm + Softmax — with a hand-written protobuf
 * encoder (ONNX's onnx.proto field numbers), so the ONNX adapter is tested against a real onnxruntime session.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const int = (field: number, v: number) => [...key(field, 0), ...varint(v)];
const bytes = (field: number, b: readonly number[] | Uint8Array) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, "utf8")]);
const f32 = (field: number, v: number) => {
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  return [...key(field, 5), ...b];
};

function tensor(name: string, dims: readonly number[], values: readonly number[]): number[] {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => {
    raw.writeFloatLE(v, i * 4);
  });
  return [...dims.flatMap((d) => int(1, d)), ...int(2, 1), ...str(8, name), ...bytes(9, raw)];
}

function valueInfo(name: string, dims: readonly (number | string)[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === "number" ? int(1, d) : str(2, d)));
  const tensorType = [...int(1, 1), ...bytes(2, shape)];
  return [...str(1, name), ...bytes(2, bytes(1, tensorType))];
}

function node(inputs: readonly string[], outputs: readonly string[], op: string, attrs: number[][] = []): number[] {
  return [
    ...inputs.flatMap((i) => str(1, i)),
    ...outputs.flatMap((o) => str(2, o)),
    ...str(3, `${op}_node`),
    ...str(4, op),
    ...attrs.flatMap((a) => bytes(5, a)),
  ];
}

/** ONNX bytes for probabilities = softmax(x · Wᵀ + b), W of shape [classes, features]. */
export function softmaxRegressionOnnx(weights: readonly (readonly number[])[], bias: readonly number[]): Uint8Array {
  const k = weights.length;
  const d = (weights[0] as readonly number[]).length;
  const transB = [...str(1, "transB"), ...int(3, 1), ...int(20, 2)];
  const alpha = [...str(1, "alpha"), ...f32(2, 1), ...int(20, 1)];
  const axis = [...str(1, "axis"), ...int(3, 1), ...int(20, 2)];
  const graph = [
    ...bytes(1, node(["input", "W", "B"], ["logits"], "Gemm", [transB, alpha])),
    ...bytes(1, node(["logits"], ["probabilities"], "Softmax", [axis])),
    ...str(2, "softmax_regression"),
    ...bytes(5, tensor("W", [k, d], weights.flat())),
    ...bytes(5, tensor("B", [k], bias)),
    ...bytes(11, valueInfo("input", ["batch", d])),
    ...bytes(12, valueInfo("probabilities", ["batch", k])),
  ];
  const model = [
    ...int(1, 8),
    ...str(2, "warden-test"),
    ...bytes(7, graph),
    ...bytes(8, [...str(1, ""), ...int(2, 13)]),
  ];
  return Uint8Array.from(model);
}
