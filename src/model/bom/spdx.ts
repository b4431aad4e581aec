/**
 * SPDX 3.0.1 JSON-LD AI-BOM (https://spdx.github.io/spdx-spec/v3.0.1/) with the AI and Dataset profiles: a
 * CreationInfo, the SpdxDocument, the model as `ai_AIPackage` (hash, version, metrics), datasets as
 * `dataset_DatasetPackage`, parents as `ai_AIPackage`, lockfile dependencies as `software_Package` with purls, and
 * Relationships (`trainedOn`, `ancestorOf`, `dependsOn`, and the declared/concluded licence relationships the AI and
 * Dataset profiles require, to NoAssertionLicense when unknown).
 */
import { randomUUID } from "node:crypto";
import type { ModelVersion } from "../registry/index.ts";
import { type BomInput, datasetHex, refOf } from "./input.ts";

type Json = Record<string, unknown>;

export const SPDX_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";
const NO_ASSERTION_LICENSE = "https://spdx.org/rdf/3.0.1/terms/ExpandedLicensing/NoAssertionLicense";
const CI = "_:creationinfo";

/** Builds the SPDX 3.0.1 JSON-LD document. */
export function spdxBom(input: BomInput): Json {
  const ns = `urn:uuid:${input.serial ?? randomUUID()}`;
  const id = (local: string): string => `${ns}#${local.replace(/[^A-Za-z0-9._-]/g, "-")}`;
  const created = (input.timestamp ?? new Date().toISOString()).replace(/\.\d{3}Z$/, "Z");
  const agentId = id(`tool-${input.tool.name}`);
  const graph: Json[] = [
    { type: "CreationInfo", "@id": CI, specVersion: "3.0.1", created, createdBy: [agentId] },
    { type: "SoftwareAgent", spdxId: agentId, creationInfo: CI, name: `${input.tool.name} ${input.tool.version}` },
  ];
  const elements: string[] = [agentId];
  let rel = 0;
  const relationship = (from: string, relationshipType: string, to: string[]): void => {
    const rid = id(`rel-${++rel}`);
    graph.push({ type: "Relationship", spdxId: rid, creationInfo: CI, from, relationshipType, to });
    elements.push(rid);
  };
  const licences = (pkg: string): void => {
    relationship(pkg, "hasDeclaredLicense", [NO_ASSERTION_LICENSE]);
    relationship(pkg, "hasConcludedLicense", [NO_ASSERTION_LICENSE]);
  };
  const aiPackage = (v: ModelVersion): string => {
    const pid = id(`model-${refOf(v)}`);
    const pkg: Json = {
      type: "ai_AIPackage",
      spdxId: pid,
      creationInfo: CI,
      name: v.name,
      software_packageVersion: v.version,
      software_primaryPurpose: "model",
      software_downloadLocation: `file://${v.path}`,
      releaseTime: v.registeredAt.replace(/\.\d{3}Z$/, "Z"),
      verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: v.digest }],
    };
    const metrics = Object.entries(v.metrics).sort(([a], [b]) => (a < b ? -1 : 1));
    if (metrics.length > 0)
      pkg.ai_metric = metrics.map(([key, value]) => ({ type: "DictionaryEntry", key, value: String(value) }));
    if (v.signature?.keyHint) pkg.comment = `OMS signature key id ${v.signature.keyHint}`;
    graph.push(pkg);
    elements.push(pid);
    licences(pid);
    return pid;
  };

  const modelId = aiPackage(input.model);
  const datasetIds = input.model.lineage.datasets.map((d) => {
    const hex = datasetHex(d);
    const did = id(`dataset-${hex}`);
    graph.push({
      type: "dataset_DatasetPackage",
      spdxId: did,
      creationInfo: CI,
      name: `dataset-${hex.slice(0, 12)}`,
      software_primaryPurpose: "data",
      software_downloadLocation: "NOASSERTION",
      releaseTime: created,
      dataset_datasetType: ["other"],
      verifiedUsing: [{ type: "Hash", algorithm: "sha256", hashValue: hex }],
    });
    elements.push(did);
    licences(did);
    return did;
  });
  if (datasetIds.length > 0) relationship(modelId, "trainedOn", datasetIds);
  for (const p of input.parents) relationship(aiPackage(p), "ancestorOf", [modelId]);
  const depIds = input.dependencies.map((d) => {
    const did = id(`pkg-${d.purl}`);
    graph.push({
      type: "software_Package",
      spdxId: did,
      creationInfo: CI,
      name: d.name,
      software_packageVersion: d.version,
      software_packageUrl: d.purl,
      software_primaryPurpose: "library",
    });
    elements.push(did);
    return did;
  });
  if (depIds.length > 0) relationship(modelId, "dependsOn", depIds);

  const docId = id("document");
  graph.splice(2, 0, {
    type: "SpdxDocument",
    spdxId: docId,
    creationInfo: CI,
    name: `AI-BOM of ${refOf(input.model)}`,
    profileConformance: ["core", "software", "ai", "dataset"],
    rootElement: [modelId],
    element: elements,
  });
  return { "@context": SPDX_CONTEXT, "@graph": graph };
}
