/**
 * Target spec strings, as the CLI and plans write them: `js:./model.mjs#export`, `onnx:./model.onnx`,
 * `http:https://host/predict` (HTTP options come separately).
 */
import { WardenError } from "../../../core/errors.ts";
import { type HttpTargetOptions, httpTarget, httpTextTarget } from "./http.ts";
import { importModelExport, jsTarget, jsTextTarget } from "./js.ts";
import { onnxTarget } from "./onnx.ts";
import { labelsOnly, type Target, type TextTarget } from "./types.ts";

/** A parsed target spec. */
export type TargetSpec =
  | { kind: "js"; file: string; exportName: string }
  | { kind: "onnx"; file: string }
  | { kind: "http"; url: string };

/** Parses a target spec string. */
export function parseTargetSpec(spec: string): TargetSpec {
  const s = spec.trim();
  if (s.startsWith("js:")) {
    const rest = s.slice(3);
    const hash = rest.lastIndexOf("#");
    const file = hash >= 0 ? rest.slice(0, hash) : rest;
    const exportName = hash >= 0 ? rest.slice(hash + 1) : "default";
    if (!file || !/^[A-Za-z_$][\w$]*$/.test(exportName))
      throw new WardenError("E_USAGE", `target "${spec}": expected js:./model.mjs#exportName`);
    return { kind: "js", file, exportName };
  }
  if (s.startsWith("onnx:")) {
    if (s.length === 5) throw new WardenError("E_USAGE", `target "${spec}": expected onnx:./model.onnx`);
    return { kind: "onnx", file: s.slice(5) };
  }
  if (s.startsWith("http:") || s.startsWith("https:")) {
    const url = s.startsWith("http:http") ? s.slice(5) : s;
    return { kind: "http", url };
  }
  throw new WardenError(
    "E_USAGE",
    `target "${spec}" is not a target spec; use js:./model.mjs#export, onnx:./model.onnx or http:https://host/predict`,
  );
}

/** Options that complete a spec. */
export interface OpenTargetOptions {
  cwd?: string;
  http?: Omit<HttpTargetOptions, "url">;
  numClasses?: number;
  /** The model reveals only labels. */
  labelsOnly?: boolean;
}

/** Opens a numeric target from a spec. */
export async function openTarget(spec: string, opts: OpenTargetOptions = {}): Promise<Target> {
  const p = parseTargetSpec(spec);
  if (p.kind === "js") {
    const m = await importModelExport(p.file, p.exportName, opts.cwd);
    const t = jsTarget(opts.numClasses === undefined ? m : { ...m, numClasses: opts.numClasses }, spec);
    return opts.labelsOnly ? labelsOnly(t) : t;
  }
  if (p.kind === "onnx") {
    const t = await onnxTarget(p.file, opts.numClasses === undefined ? {} : { numClasses: opts.numClasses });
    return opts.labelsOnly ? labelsOnly(t) : t;
  }
  const h: HttpTargetOptions = { ...(opts.http ?? {}), url: p.url };
  if (opts.numClasses !== undefined) h.numClasses = opts.numClasses;
  const t = httpTarget(h);
  return opts.labelsOnly ? labelsOnly(t) : t;
}

/** Opens a text classifier from a spec (JS or HTTP). */
export async function openTextTarget(spec: string, opts: OpenTargetOptions = {}): Promise<TextTarget> {
  const p = parseTargetSpec(spec);
  if (p.kind === "js") {
    const m = await importModelExport(p.file, p.exportName, opts.cwd);
    return jsTextTarget(opts.numClasses === undefined ? m : { ...m, numClasses: opts.numClasses }, spec);
  }
  if (p.kind === "onnx") throw new WardenError("E_USAGE", "text attacks need a js: or http: target, not ONNX");
  const h: HttpTargetOptions = { ...(opts.http ?? {}), url: p.url };
  if (opts.numClasses !== undefined) h.numClasses = opts.numClasses;
  return httpTextTarget(h);
}
