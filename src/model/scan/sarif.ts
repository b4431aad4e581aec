/**
 * SARIF 2.1.0 output (OASIS Static Analysis Results Interchange Format): one run, one rule per finding rule id, one
 * result per finding, with the file as artifact location and the member/offset as logical location (and the byte
 * offset as region when the finding is in the file itself).
 */
import type { Finding, ScanResult, Severity } from "./types.ts";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

const RULE_TEXT: Record<string, string> = {
  "pickle-dangerous-global": "Pickle imports a known-dangerous callable",
  "pickle-unknown-global": "Pickle imports a global outside the allow-list",
  "pickle-attribute-override": "Pickle rebinds attributes of an imported module or class",
  "pickle-indirect-call": "Pickle calls an object that is not a plain import",
  "pickle-invalid-global": "Pickle STACK_GLOBAL with non-string operands",
  "pickle-unresolved-global": "Pickle import that cannot be resolved statically",
  "invalid-pickle": "Malformed pickle",
  "invalid-format": "File or member cannot be parsed",
  "invalid-limit": "A scan limit stopped the analysis",
  "archive-bomb": "Decompression bomb",
  "template-injection": "Jinja template reaches Python internals",
  "keras-lambda": "Keras Lambda layer with Python bytecode",
  "onnx-external-data-escape": "ONNX external data outside the model directory",
};

/** Converts a scan result to a SARIF 2.1.0 log. `version` is Warden's version. */
export function toSarif(result: ScanResult, version = "0.1.0"): Record<string, unknown> {
  const ruleIds = [...new Set(result.files.flatMap((f) => f.findings.map((x) => x.rule)))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results = result.files.flatMap((f) =>
    f.findings.map((x: Finding) => {
      const offset = /^offset (\d+)$/.exec(x.location);
      const physicalLocation: Record<string, unknown> = { artifactLocation: { uri: toUri(f.path) } };
      if (offset) physicalLocation.region = { byteOffset: Number(offset[1]) };
      return {
        ruleId: x.rule,
        ruleIndex: index.get(x.rule)!,
        level: LEVEL[x.severity],
        message: { text: x.message },
        locations: [{ physicalLocation, logicalLocations: [{ fullyQualifiedName: `${f.path}!${x.location}` }] }],
        properties: { severity: x.severity, verdict: f.verdict, format: f.format },
      };
    }),
  );
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "warden-model-scan",
            version,
            informationUri: "https://github.com/warden-security/warden",
            rules: ruleIds.map((id) => ({
              id,
              shortDescription: { text: RULE_TEXT[id] ?? id.replace(/-/g, " ") },
            })),
          },
        },
        results,
        properties: { summary: result.summary },
      },
    ],
  };
}

function toUri(path: string): string {
  return path.split(/[\\/]/).map(encodeURIComponent).join("/");
}
