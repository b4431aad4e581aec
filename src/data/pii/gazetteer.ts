/**
 * Loads the person-name and location gazetteer (models/pii-gazetteer.json, built by scripts/build-pii-gazetteer.ts
 * from the build split of the presidio-research synthetic data). Read once, lazily; when the file is absent the name
 * recogniser runs with empty lists (context and capitalisation only) and `gazetteerInfo().loaded` is false.
 */
import { readFileSync } from "node:fs";

/** The gazetteer's lookup sets. */
export interface Gazetteer {
  loaded: boolean;
  datasetSha256: string | undefined;
  personTokens: ReadonlySet<string>;
  locations: ReadonlySet<string>;
  /** First words of the location entries (a cheap prefilter). */
  locationFirstWords: ReadonlySet<string>;
  /** Longest location entry in words. */
  maxLocationWords: number;
}

const PATH = new URL("../../../models/pii-gazetteer.json", import.meta.url);
let cached: Gazetteer | undefined;

function stringArray(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The gazetteer (loaded on first use). */
export function gazetteer(): Gazetteer {
  if (cached) return cached;
  let raw: Record<string, unknown> | undefined;
  try {
    raw = JSON.parse(readFileSync(PATH, "utf8")) as Record<string, unknown>;
  } catch {
    raw = undefined;
  }
  const locations = stringArray(raw?.["locations"]);
  cached = {
    loaded: raw !== undefined && raw["format"] === "warden-pii-gazetteer/v1",
    datasetSha256: typeof raw?.["datasetSha256"] === "string" ? raw["datasetSha256"] : undefined,
    personTokens: new Set(stringArray(raw?.["personTokens"])),
    locations: new Set(locations),
    locationFirstWords: new Set(locations.map((l) => l.split(" ")[0]!)),
    maxLocationWords: Math.max(1, ...locations.map((l) => l.split(" ").length)),
  };
  return cached;
}

/** What the loaded gazetteer holds (for reports and `warden data pii scan --json`). */
export function gazetteerInfo(): { loaded: boolean; datasetSha256?: string; personTokens: number; locations: number } {
  const g = gazetteer();
  return {
    loaded: g.loaded,
    ...(g.datasetSha256 ? { datasetSha256: g.datasetSha256 } : {}),
    personTokens: g.personTokens.size,
    locations: g.locations.size,
  };
}
