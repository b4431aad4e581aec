/**
 * Optional native addons (native/*.c), built at install by scripts/build-native.mjs into build/Release. Each one has a
 * JavaScript counterpart that gives the same results, so an install without a C compiler still works, only slower.
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

/**
 * The addon `name` (build/Release/<name>.node), or undefined when it was not built, fails to load, or the environment
 * variable `disable` is "0".
 */
export function loadAddon<T>(name: string, disable: string): T | undefined {
  if (process.env[disable] === "0") return undefined;
  try {
    // src/core and dist/core are both two levels below the package root.
    return load(`../../build/Release/${name}.node`) as T;
  } catch {
    return undefined;
  }
}
