/**
 * AI-BOM: CycloneDX 1.6 validates against the official schema (../shared/corpora/schemas), carries the model card,
 * datasets, hashes, signature key id and lockfile dependencies; SPDX 3.0.1 JSON-LD has the AI and Dataset profile
 * elements and relationships; lockfile parsers are total on arbitrary input.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { JsonSchemaValidator } from "../../src/core/json-schema.ts";
import {
  cyclonedxBom,
  type ModelVersion,
  parsePackageLock,
  parsePipfileLock,
  parseRequirements,
  parseTomlPackages,
  readLockfiles,
  spdxBom,
} from "../../src/model/index.ts";

const schemas = fileURLToPath(new URL("../../../shared/corpora/schemas/", import.meta.url));
const skip = existsSync(join(schemas, "bom-1.6.schema.json")) ? false : `CycloneDX schema not found in ${schemas}`;
const load = (f: string) => JSON.parse(readFileSync(join(schemas, f), "utf8"));

function version(over: Partial<ModelVersion> = {}): ModelVersion {
  return {
    name: "fraud",
    version: "2.0.0",
    digest: "ab".repeat(32),
    path: "/models/fraud",
    serialization: { method: "files", hash_type: "sha256", allow_symlinks: false },
    signature: {
      path: "/models/fraud/model.sig",
      signedDigest: "ab".repeat(32),
      keyHint: "cd".repeat(32),
      method: "key",
    },
    lineage: { datasets: ["11".repeat(32), `sha256:${"22".repeat(32)}`], parents: ["fraud@1.0.0", "ghost@9"] },
    metrics: { auc: 0.91, f1: 0.8 },
    owner: "risk-team",
    stage: "production",
    registeredBy: "alice",
    registeredAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    scan: { safe: true, summary: {}, flagged: [], scannedAt: "2026-01-01T00:00:00.000Z" },
    ...over,
  };
}

function withLockfiles(): string {
  const dir = mkdtempSync(join(tmpdir(), "warden-bom-"));
  mkdirSync(join(dir, "model"));
  writeFileSync(
    join(dir, "model", "package-lock.json"),
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        "": { name: "app" },
        "node_modules/@scope/tok": { version: "1.2.3" },
        "node_modules/a/node_modules/b": { version: "0.1.0" },
        "node_modules/linked": { link: true },
      },
    }),
  );
  writeFileSync(
    join(dir, "model", "requirements.txt"),
    "# deps\nTorch==2.3.1 ; python_version>'3.8'\nnumpy>=1.0\nSafe_Tensors[x]==0.4.2 \\\n  --hash=sha256:00\n",
  );
  return join(dir, "model");
}

test("lockfiles beside the model become purls", () => {
  const dir = withLockfiles();
  try {
    assert.deepEqual(
      readLockfiles(dir).map((d) => d.purl),
      ["pkg:npm/%40scope/tok@1.2.3", "pkg:npm/b@0.1.0", "pkg:pypi/safe-tensors@0.4.2", "pkg:pypi/torch@2.3.1"],
    );
    assert.deepEqual(
      parseTomlPackages(
        '[[package]]\nname = "Requests"\nversion = "2.32.0"\n[package.dependencies]\nname = "x"\n',
        "poetry.lock",
      ).map((d) => d.purl),
      ["pkg:pypi/requests@2.32.0"],
    );
    assert.deepEqual(
      parsePipfileLock(
        JSON.stringify({ default: { flask: { version: "==3.0.0" } }, develop: { pytest: { version: "*" } } }),
      ).map((d) => d.purl),
      ["pkg:pypi/flask@3.0.0"],
    );
  } finally {
    rmSync(join(dir, ".."), { recursive: true, force: true });
  }
});

test("CycloneDX 1.6 AI-BOM validates against the official schema", { skip }, () => {
  const dir = withLockfiles();
  try {
    const parent = version({ version: "1.0.0", lineage: { datasets: [], parents: [] }, metrics: {} });
    const bom = cyclonedxBom({
      model: version(),
      parents: [parent],
      dependencies: readLockfiles(dir),
      tool: { name: "warden", version: "0.1.0" },
    });
    const validator = new JsonSchemaValidator(load("bom-1.6.schema.json"), {
      "spdx.schema.json": load("spdx.schema.json"),
      "jsf-0.82.schema.json": load("jsf-0.82.schema.json"),
    });
    assert.deepEqual(validator.validate(bom), []);
    // biome-ignore lint/suspicious/noExplicitAny: test reads deep into the generated JSON.
    const meta = (bom.metadata as { component: Record<string, any> }).component;
    assert.equal(meta.type, "machine-learning-model");
    assert.deepEqual(meta.hashes, [{ alg: "SHA-256", content: "ab".repeat(32) }]);
    assert.ok(
      meta.properties.some(
        (p: { name: string; value: string }) => p.name === "warden:signature:keyId" && p.value === "cd".repeat(32),
      ),
    );
    assert.deepEqual(meta.modelCard.modelParameters.datasets, [
      { ref: `dataset:${"11".repeat(32)}` },
      { ref: `dataset:${"22".repeat(32)}` },
    ]);
    assert.deepEqual(meta.modelCard.quantitativeAnalysis.performanceMetrics, [
      { type: "auc", value: "0.91" },
      { type: "f1", value: "0.8" },
    ]);
    const comps = bom.components as { type: string; "bom-ref": string }[];
    assert.deepEqual(
      comps.map((c) => c.type),
      ["data", "data", "machine-learning-model", "machine-learning-model", "library", "library", "library", "library"],
    );
    // The validator does reject what the schema forbids.
    const broken = structuredClone(bom) as { components: Record<string, unknown>[] };
    (broken.components[0] as Record<string, unknown>).type = "dataset";
    (broken.components[1] as Record<string, unknown>).hashes = [{ alg: "SHA-256", content: "xyz" }];
    const errors = validator.validate(broken);
    assert.ok(
      errors.some((e) => e.path === "/components/0/type"),
      JSON.stringify(errors),
    );
    assert.ok(
      errors.some((e) => e.path.startsWith("/components/1/hashes/0/content")),
      JSON.stringify(errors),
    );
  } finally {
    rmSync(join(dir, ".."), { recursive: true, force: true });
  }
});

test("SPDX 3.0.1 JSON-LD has the AI and Dataset profile elements", () => {
  const parent = version({ version: "1.0.0", lineage: { datasets: [], parents: [] }, metrics: {} });
  const doc = spdxBom({
    model: version(),
    parents: [parent],
    dependencies: parseRequirements("torch==2.3.1"),
    tool: { name: "warden", version: "0.1.0" },
  });
  assert.equal(doc["@context"], "https://spdx.org/rdf/3.0.1/spdx-context.jsonld");
  // biome-ignore lint/suspicious/noExplicitAny: test reads deep into the generated JSON.
  const graph = doc["@graph"] as Record<string, any>[];
  const byType = (t: string) => graph.filter((g) => g.type === t);
  assert.equal(byType("CreationInfo").length, 1);
  const [docEl] = byType("SpdxDocument");
  assert.deepEqual(docEl?.profileConformance, ["core", "software", "ai", "dataset"]);
  const models = byType("ai_AIPackage");
  assert.equal(models.length, 2);
  const model = models.find((m) => m.software_packageVersion === "2.0.0");
  assert.deepEqual(model?.verifiedUsing, [{ type: "Hash", algorithm: "sha256", hashValue: "ab".repeat(32) }]);
  assert.equal(byType("dataset_DatasetPackage").length, 2);
  const rels = byType("Relationship");
  const trained = rels.find((r) => r.relationshipType === "trainedOn");
  assert.equal(trained?.from, docEl?.rootElement[0]);
  assert.equal(trained?.to.length, 2);
  assert.ok(rels.some((r) => r.relationshipType === "ancestorOf" && r.to[0] === model?.spdxId));
  assert.ok(rels.some((r) => r.relationshipType === "dependsOn"));
  // Every AI/Dataset package has exactly one declared and one concluded licence relationship (profile conformance).
  for (const p of [...models, ...byType("dataset_DatasetPackage")]) {
    for (const t of ["hasDeclaredLicense", "hasConcludedLicense"]) {
      assert.equal(rels.filter((r) => r.from === p.spdxId && r.relationshipType === t).length, 1);
    }
  }
  // Every element referenced exists in the graph and in the document's element list.
  const ids = new Set(graph.map((g) => g.spdxId).filter(Boolean));
  for (const e of docEl?.element ?? []) assert.ok(ids.has(e), e);
  for (const r of rels) assert.ok(ids.has(r.from), r.from);
  for (const g of graph) if (g.type !== "CreationInfo") assert.equal(g.creationInfo, "_:creationinfo");
});

test("lockfile parsers never throw anything but WardenError", () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
      for (const parse of [
        parsePackageLock,
        parseRequirements,
        parsePipfileLock,
        (t: string) => parseTomlPackages(t, "uv.lock"),
      ]) {
        try {
          parse(s);
        } catch (e) {
          assert.equal((e as { code?: string }).code, "E_INPUT_INVALID");
        }
      }
    }),
  );
});
