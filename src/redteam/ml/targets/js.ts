/**
 * JS/TS model adapter: `js:./model.mjs#name` imports a module the user wrote and uses the named export (default
 * `default`, or the module itself). The export is a predict function, or an object
 * `{ predict(batch), gradient?(batch, labels), output?, numClasses? }`. Loading runs the user's own code by design;
 * Warden never loads models it was asked to scan this way.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { WardenError } from "../../../core/errors.ts";
import { normaliseOutputs, type OutputKind, type Target, type TextTarget } from "./types.ts";

type Fn = (...args: never[]) => unknown;

interface ModelExport {
  predict: Fn;
  gradient?: Fn;
  output?: OutputKind;
  numClasses?: number;
}

/** Imports `file` and returns the export `name` as a model object. */
export async function importModelExport(file: string, name = "default", cwd = process.cwd()): Promise<ModelExport> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new WardenError("E_REDTEAM_TARGET", `cannot import JS model ${path}: ${(e as Error).message}`, { cause: e });
  }
  const value = name in mod ? mod[name] : name === "default" ? mod : undefined;
  if (typeof value === "function") return { predict: value as Fn };
  if (value && typeof value === "object" && typeof (value as { predict?: unknown }).predict === "function")
    return value as ModelExport;
  throw new WardenError(
    "E_REDTEAM_TARGET",
    `${path} has no export "${name}" that is a predict function or an object with predict(batch)`,
  );
}

/** A numeric Target over a model export. */
export function jsTarget(model: ModelExport, name: string): Target {
  const predict = model.predict as unknown as (batch: number[][]) => unknown;
  const base: Target = {
    name,
    output: model.output ?? "scores",
    async predict(batch) {
      return normaliseOutputs(await predict(batch), batch.length, model.numClasses);
    },
  };
  if (typeof model.gradient !== "function") return base;
  const gradient = model.gradient as unknown as (batch: number[][], labels: number[]) => unknown;
  return {
    ...base,
    async gradient(batch, labels) {
      const g = await gradient(batch, labels);
      if (!Array.isArray(g) || g.length !== batch.length)
        throw new WardenError("E_REDTEAM_TARGET", `${name}: gradient must return one row per input`);
      return g as number[][];
    },
  };
}

/** A text Target over a model export whose predict takes strings. */
export function jsTextTarget(model: ModelExport, name: string): TextTarget {
  const predict = model.predict as unknown as (batch: string[]) => unknown;
  return {
    name,
    output: model.output ?? "scores",
    async predict(batch) {
      return normaliseOutputs(await predict(batch), batch.length, model.numClasses);
    },
  };
}

/**
 * Imports a training routine `train(features, labels, seed)` returning an object with `predict(batch)`, used to train
 * shadow and reference models "with the same training routine" as the target.
 */
export async function importTrainRoutine(
  file: string,
  name = "train",
  cwd = process.cwd(),
): Promise<
  (
    features: readonly (readonly number[])[],
    labels: readonly number[],
    seed: number,
  ) => Promise<{ predict(batch: readonly (readonly number[])[]): Promise<number[][]> }>
> {
  const path = isAbsolute(file) ? file : resolve(cwd, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    throw new WardenError("E_REDTEAM_TARGET", `cannot import training routine ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const fn = mod[name];
  if (typeof fn !== "function")
    throw new WardenError("E_USAGE", `${path} has no exported function "${name}(features, labels, seed)"`);
  return async (features, labels, seed) => {
    const model = (await (fn as (...a: unknown[]) => unknown)(features, labels, seed)) as ModelExport | null;
    if (!model || typeof model.predict !== "function")
      throw new WardenError("E_REDTEAM_TARGET", `${path}#${name} must return an object with predict(batch)`);
    const predict = model.predict as unknown as (batch: readonly (readonly number[])[]) => unknown;
    return {
      async predict(batch) {
        return normaliseOutputs(await predict(batch), batch.length, model.numClasses);
      },
    };
  };
}
