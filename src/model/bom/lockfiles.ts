/**
 * Reads the npm and pip dependencies pinned by lockfiles found beside a model (in its directory, or the directory of a
 * single-file model): package-lock.json (v1-v3), requirements.txt (`name==version`), Pipfile.lock, poetry.lock and
 * uv.lock. Parsing is bounded (file size, package count) and never executes anything. Package URLs follow the purl
 * spec (https://github.com/package-url/purl-spec).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { WardenError } from "../../core/errors.ts";

/** One pinned dependency. */
export interface LockedDependency {
  ecosystem: "npm" | "pypi";
  name: string;
  version: string;
  purl: string;
  /** Lockfile it came from (file name). */
  source: string;
}

const MAX_LOCKFILE_BYTES = 32 * 1024 * 1024;
const MAX_PACKAGES = 100_000;

/** Lockfiles looked for, in this order. */
export const LOCKFILES = ["package-lock.json", "requirements.txt", "Pipfile.lock", "poetry.lock", "uv.lock"] as const;

/** purl of an npm package (`@scope/name` → `pkg:npm/%40scope/name@v`). */
export function npmPurl(name: string, version: string): string {
  const parts = name.split("/").map((p) => encodeURIComponent(p));
  return `pkg:npm/${parts.join("/")}@${encodeURIComponent(version)}`;
}

/** purl of a PyPI package, with the name normalised as PEP 503 does. */
export function pypiPurl(name: string, version: string): string {
  return `pkg:pypi/${encodeURIComponent(normalisePypi(name))}@${encodeURIComponent(version)}`;
}

function normalisePypi(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

function npm(name: string, version: string, source: string): LockedDependency {
  return { ecosystem: "npm", name, version, purl: npmPurl(name, version), source };
}

function pypi(name: string, version: string, source: string): LockedDependency {
  return { ecosystem: "pypi", name: normalisePypi(name), version, purl: pypiPurl(name, version), source };
}

function invalid(file: string, message: string, cause?: unknown): WardenError {
  return new WardenError("E_INPUT_INVALID", `${file}: ${message}`, cause === undefined ? {} : { cause });
}

/** Parses package-lock.json v2/v3 (`packages`) or v1 (`dependencies`, nested). */
export function parsePackageLock(text: string, file = "package-lock.json"): LockedDependency[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, "not valid JSON", e);
  }
  if (typeof json !== "object" || json === null) throw invalid(file, "not a package-lock object");
  const out: LockedDependency[] = [];
  const doc = json as { packages?: Record<string, unknown>; dependencies?: Record<string, unknown> };
  if (doc.packages && typeof doc.packages === "object") {
    for (const [path, meta] of Object.entries(doc.packages)) {
      const i = path.lastIndexOf("node_modules/");
      if (i === -1 || typeof meta !== "object" || meta === null) continue;
      const m = meta as { version?: unknown; link?: unknown; name?: unknown };
      if (m.link === true || typeof m.version !== "string") continue;
      const name = typeof m.name === "string" ? m.name : path.slice(i + "node_modules/".length);
      out.push(npm(name, m.version, file));
      if (out.length > MAX_PACKAGES) throw invalid(file, `more than ${MAX_PACKAGES} packages`);
    }
    return out;
  }
  const walk = (deps: Record<string, unknown>, depth: number): void => {
    if (depth > 64) throw invalid(file, "dependencies nested too deeply");
    for (const [name, meta] of Object.entries(deps)) {
      if (typeof meta !== "object" || meta === null) continue;
      const m = meta as { version?: unknown; dependencies?: unknown };
      if (typeof m.version === "string" && !m.version.startsWith("file:")) out.push(npm(name, m.version, file));
      if (out.length > MAX_PACKAGES) throw invalid(file, `more than ${MAX_PACKAGES} packages`);
      if (typeof m.dependencies === "object" && m.dependencies !== null)
        walk(m.dependencies as Record<string, unknown>, depth + 1);
    }
  };
  if (doc.dependencies && typeof doc.dependencies === "object") walk(doc.dependencies, 0);
  return out;
}

/** Parses `name==version` lines of a requirements file (comments, options, markers and hashes ignored). */
export function parseRequirements(text: string, file = "requirements.txt"): LockedDependency[] {
  const out: LockedDependency[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (!line || line.startsWith("-")) continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9.!+_*-]+)/.exec(line);
    if (m?.[1] && m[2]) out.push(pypi(m[1], m[2], file));
    if (out.length > MAX_PACKAGES) throw invalid(file, `more than ${MAX_PACKAGES} packages`);
  }
  return out;
}

/** Parses Pipfile.lock (`default` and `develop` sections). */
export function parsePipfileLock(text: string, file = "Pipfile.lock"): LockedDependency[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(file, "not valid JSON", e);
  }
  const out: LockedDependency[] = [];
  for (const section of ["default", "develop"]) {
    const deps = (json as Record<string, unknown> | null)?.[section];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, meta] of Object.entries(deps)) {
      const v = (meta as { version?: unknown } | null)?.version;
      if (typeof v === "string" && v.startsWith("==")) out.push(pypi(name, v.slice(2), file));
      if (out.length > MAX_PACKAGES) throw invalid(file, `more than ${MAX_PACKAGES} packages`);
    }
  }
  return out;
}

/** Parses the `[[package]]` tables (name, version) of poetry.lock or uv.lock (a TOML subset). */
export function parseTomlPackages(text: string, file: string): LockedDependency[] {
  const out: LockedDependency[] = [];
  let inPackage = false;
  let name: string | undefined;
  let version: string | undefined;
  const flush = (): void => {
    if (inPackage && name && version) out.push(pypi(name, version, file));
    if (out.length > MAX_PACKAGES) throw invalid(file, `more than ${MAX_PACKAGES} packages`);
    name = undefined;
    version = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      flush();
      inPackage = line === "[[package]]";
      continue;
    }
    if (!inPackage) continue;
    const m = /^(name|version)\s*=\s*"([^"\\]{1,200})"\s*$/.exec(line);
    if (m?.[1] === "name") name = m[2];
    else if (m?.[1] === "version") version = m[2];
  }
  flush();
  return out;
}

const PARSERS: Record<(typeof LOCKFILES)[number], (text: string, file: string) => LockedDependency[]> = {
  "package-lock.json": parsePackageLock,
  "requirements.txt": parseRequirements,
  "Pipfile.lock": parsePipfileLock,
  "poetry.lock": parseTomlPackages,
  "uv.lock": parseTomlPackages,
};

/** Reads every known lockfile beside the model; deduplicates by purl, sorted by purl. */
export function readLockfiles(modelPath: string): LockedDependency[] {
  const abs = resolve(modelPath);
  const dir = existsSync(abs) && statSync(abs).isDirectory() ? abs : dirname(abs);
  const seen = new Map<string, LockedDependency>();
  for (const name of LOCKFILES) {
    const path = join(dir, name);
    if (!existsSync(path)) continue;
    if (statSync(path).size > MAX_LOCKFILE_BYTES) throw invalid(path, `larger than ${MAX_LOCKFILE_BYTES} bytes`);
    for (const d of PARSERS[name](readFileSync(path, "utf8"), name)) if (!seen.has(d.purl)) seen.set(d.purl, d);
  }
  return [...seen.values()].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
}
