/**
 * CycloneDX 1.6 JSON AI-BOM (https://cyclonedx.org/docs/1.6/json/): the model version as a `machine-learning-model`
 * component with a `modelCard` (datasets by reference, performance metrics), its SHA-256 (OMS root) and signature
 * key id; datasets as `data` components; parent models as `machine-learning-model` components; npm/pip dependencies
 * from lockfiles as `library` components with purls; and the dependency graph.
 */
import { randomUUID } from "node:crypto";
import type { ModelVersion } from "../registry/index.ts";
import { type BomInput, datasetHex, refOf } from "./input.ts";

type Json = Record<string, unknown>;

function prop(name: string, value: string): Json {
  return { name, value };
}

function modelComponent(v: ModelVersion, withCard: boolean): Json {
  const properties: Json[] = [
    prop("warden:stage", v.stage),
    prop("warden:owner", v.owner),
    prop("warden:registeredBy", v.registeredBy),
    prop("warden:registeredAt", v.registeredAt),
    prop("warden:oms:serialization", v.serialization.method),
  ];
  if (v.signature) {
    properties.push(prop("warden:signature:method", v.signature.method));
    if (v.signature.keyHint) properties.push(prop("warden:signature:keyId", v.signature.keyHint));
    if (v.signature.subject) properties.push(prop("warden:signature:subject", v.signature.subject));
  }
  if (v.scan) properties.push(prop("warden:scan:safe", String(v.scan.safe)), prop("warden:scan:at", v.scan.scannedAt));
  const c: Json = {
    type: "machine-learning-model",
    "bom-ref": `model:${refOf(v)}`,
    name: v.name,
    version: v.version,
    hashes: [{ alg: "SHA-256", content: v.digest }],
    properties,
  };
  if (withCard) {
    const card: Json = {};
    if (v.lineage.datasets.length > 0) {
      card.modelParameters = { datasets: v.lineage.datasets.map((d) => ({ ref: `dataset:${datasetHex(d)}` })) };
    }
    const metrics = Object.entries(v.metrics).sort(([a], [b]) => (a < b ? -1 : 1));
    if (metrics.length > 0) {
      card.quantitativeAnalysis = {
        performanceMetrics: metrics.map(([type, value]) => ({ type, value: String(value) })),
      };
    }
    c.modelCard = card;
  }
  return c;
}

/** Builds the CycloneDX 1.6 BOM object. */
export function cyclonedxBom(input: BomInput): Json {
  const { model } = input;
  const modelRef = `model:${refOf(model)}`;
  const components: Json[] = [];
  for (const d of model.lineage.datasets) {
    const hex = datasetHex(d);
    components.push({
      type: "data",
      "bom-ref": `dataset:${hex}`,
      name: `dataset-${hex.slice(0, 12)}`,
      hashes: [{ alg: "SHA-256", content: hex }],
      data: [
        { type: "dataset", name: `dataset-${hex.slice(0, 12)}`, description: `Warden data manifest sha256:${hex}` },
      ],
    });
  }
  const parentRefs: string[] = [];
  const known = new Set(input.parents.map(refOf));
  for (const p of input.parents) {
    components.push(modelComponent(p, false));
    parentRefs.push(`model:${refOf(p)}`);
  }
  for (const p of model.lineage.parents) {
    if (known.has(p)) continue;
    const [name = p, version = ""] = p.split("@");
    components.push({ type: "machine-learning-model", "bom-ref": `model:${p}`, name, version });
    parentRefs.push(`model:${p}`);
  }
  for (const dep of input.dependencies) {
    components.push({
      type: "library",
      "bom-ref": dep.purl,
      name: dep.name,
      version: dep.version,
      purl: dep.purl,
      properties: [prop("warden:lockfile", dep.source)],
    });
  }
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: `urn:uuid:${input.serial ?? randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: input.timestamp ?? new Date().toISOString(),
      tools: { components: [{ type: "application", name: input.tool.name, version: input.tool.version }] },
      component: modelComponent(model, true),
    },
    components,
    dependencies: [
      {
        ref: modelRef,
        dependsOn: [
          ...model.lineage.datasets.map((d) => `dataset:${datasetHex(d)}`),
          ...parentRefs,
          ...input.dependencies.map((d) => d.purl),
        ],
      },
    ],
  };
}
