/**
 * Builds models/pii-gazetteer.json, the person-name and location gazetteer of the PII engine, from the build split of
 * ../shared/datasets/pii/train.jsonl (presidio-research synthetic data, MIT). The split is by template, as the
 * dataset's README asks: each text's template signature (its spans masked, lower-cased) is hashed, and about 30% of
 * the signatures are held out for evaluation (bench/pii.ts). Only tokens seen inside PERSON/LOCATION spans more often
 * than outside any span are kept, so template words do not become names. A short list of country names written for
 * this project is added to the locations.
 *
 *   node --import tsx scripts/build-pii-gazetteer.ts [path/to/train.jsonl] [out.json]
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One row of the dataset. */
export interface PiiRow {
  text: string;
  spans: { start: number; end: number; entity: string }[];
}

/** Template signature: the text with every span replaced by its label, lower-cased, whitespace collapsed. */
export function templateSignature(row: PiiRow): string {
  let t = row.text;
  for (const s of [...row.spans].sort((a, b) => b.start - a.start))
    t = `${t.slice(0, s.start)}{${s.entity}}${t.slice(s.end)}`;
  return t.toLowerCase().replace(/\s+/g, " ").trim();
}

/** Held-out share of template signatures. */
export const HELDOUT_SHARE = 0.3;

/** "heldout" for about 30% of templates (by SHA-256 of the signature), else "build". */
export function splitOf(row: PiiRow): "build" | "heldout" {
  const h = createHash("sha256").update(templateSignature(row)).digest();
  return h.readUInt16BE(0) / 65536 < HELDOUT_SHARE ? "heldout" : "build";
}

/** Reads the dataset rows and the SHA-256 of the file. */
export function loadPiiRows(path: string): { rows: PiiRow[]; sha256: string } {
  const bytes = readFileSync(path);
  const rows = bytes
    .toString("utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as PiiRow);
  return { rows, sha256: createHash("sha256").update(bytes).digest("hex") };
}

const COUNTRIES =
  "afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan bahamas bahrain " +
  "bangladesh barbados belarus belgium belize benin bhutan bolivia botswana brazil brunei bulgaria burundi cambodia " +
  "cameroon canada chad chile china colombia comoros congo croatia cuba cyprus czechia denmark djibouti dominica " +
  "ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia georgia germany ghana greece " +
  "grenada guatemala guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel italy " +
  "jamaica japan jordan kazakhstan kenya kiribati kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya " +
  "liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali malta mauritania mauritius mexico " +
  "micronesia moldova monaco mongolia montenegro morocco mozambique myanmar namibia nauru nepal netherlands " +
  "nicaragua niger nigeria norway oman pakistan palau palestine panama paraguay peru philippines poland portugal " +
  "qatar romania russia rwanda samoa senegal serbia seychelles singapore slovakia slovenia somalia spain sudan " +
  "suriname sweden switzerland syria taiwan tajikistan tanzania thailand togo tonga tunisia turkey turkmenistan " +
  "tuvalu uganda ukraine uruguay uzbekistan vanuatu venezuela vietnam yemen zambia zimbabwe macedonia greenland " +
  "bermuda aruba curacao gibraltar;antigua and barbuda;bosnia and herzegovina;burkina faso;cape verde;" +
  "central african republic;costa rica;czech republic;dominican republic;east timor;el salvador;" +
  "equatorial guinea;guinea-bissau;hong kong;ivory coast;marshall islands;new zealand;north korea;" +
  "north macedonia;papua new guinea;puerto rico;saint lucia;san marino;saudi arabia;sierra leone;" +
  "solomon islands;south africa;south korea;south sudan;sri lanka;trinidad and tobago;united arab emirates;" +
  "united kingdom;united states;united states of america;vatican city;western sahara;cayman islands;" +
  "faroe islands;virgin islands;new caledonia;french polynesia;isle of man";

function words(s: string): string[] {
  return s.toLowerCase().match(/[\p{L}\p{M}][\p{L}\p{M}'’.-]*/gu) ?? [];
}

/** Builds the gazetteer object from the build split. */
export function buildGazetteer(rows: PiiRow[], sha256: string): Record<string, unknown> {
  const build = rows.filter((r) => splitOf(r) === "build");
  const inPerson = new Map<string, number>();
  const inLocation = new Map<string, number>();
  const outside = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string): void => void m.set(k, (m.get(k) ?? 0) + 1);
  for (const r of build) {
    let last = 0;
    for (const s of r.spans) {
      for (const w of words(r.text.slice(last, s.start))) bump(outside, w);
      const value = r.text.slice(s.start, s.end);
      if (s.entity === "PERSON") for (const w of words(value)) bump(inPerson, w);
      if (s.entity === "LOCATION") bump(inLocation, words(value).join(" "));
      last = s.end;
    }
    for (const w of words(r.text.slice(last))) bump(outside, w);
  }
  const keep = (m: Map<string, number>): string[] =>
    [...m.entries()]
      .filter(([w, n]) => w.length >= 2 && n > (outside.get(w) ?? 0))
      .map(([w]) => w)
      .sort();
  const countries = COUNTRIES.split(/[;]/).flatMap((chunk, i) => (i === 0 ? chunk.split(" ") : [chunk]));
  const locations = [...new Set([...keep(inLocation), ...countries.map((c) => c.trim()).filter((c) => c !== "")])];
  const heldout = rows.length - build.length;
  return {
    format: "warden-pii-gazetteer/v1",
    source: "microsoft/presidio-research tests/data/generated_large.json via ../shared/datasets/pii/train.jsonl (MIT)",
    license:
      "MIT (microsoft/presidio-research); its generator's identity pool may include Fake Name Generator identities, CC BY-SA 3.0 US",
    datasetSha256: sha256,
    split: {
      method:
        "template signature (spans masked, lower-cased) hashed with SHA-256; first 16 bits / 65536 < 0.3 held out",
      buildRows: build.length,
      heldoutRows: heldout,
    },
    personTokens: keep(inPerson),
    locations: locations.sort(),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const input = process.argv[2] ?? fileURLToPath(new URL("../../shared/datasets/pii/train.jsonl", import.meta.url));
  const out = process.argv[3] ?? fileURLToPath(new URL("../models/pii-gazetteer.json", import.meta.url));
  const { rows, sha256 } = loadPiiRows(input);
  const g = buildGazetteer(rows, sha256);
  writeFileSync(out, `${JSON.stringify(g)}\n`);
  console.log(
    JSON.stringify({
      out,
      personTokens: (g["personTokens"] as string[]).length,
      locations: (g["locations"] as string[]).length,
      split: g["split"],
    }),
  );
}
