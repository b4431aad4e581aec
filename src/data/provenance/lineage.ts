/**
 * Dataset lineage: the ancestry graph of a dataset version back to its sources. Each edge is stated by the child's
 * `data.registered` ledger record, so it carries that record's index and, on request, an RFC 9162 inclusion proof.
 * Rendered as JSON, Graphviz DOT or Mermaid.
 */
import type { InclusionProof } from "../../ledger/index.ts";
import type { DataContext } from "./context.ts";
import { getDataset } from "./registry.ts";

export interface LineageNode {
  id: string;
  digest: string;
  classification: string;
  transform: string | null;
  status: string;
}

export interface LineageEdge {
  /** The derived dataset. */
  from: string;
  /** The parent it was derived from. */
  to: string;
  ledgerIndex: number;
  proof?: InclusionProof;
}

export interface Lineage {
  root: string;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

const MAX_NODES = 10_000;

/** Walks parents breadth-first from `ref`; with `proofs`, attaches an inclusion proof to every edge. */
export async function datasetLineage(ctx: DataContext, ref: string, opts: { proofs?: boolean } = {}): Promise<Lineage> {
  const root = await getDataset(ctx, ref);
  const nodes = new Map<string, LineageNode>();
  const edges: LineageEdge[] = [];
  const queue = [root];
  while (queue.length > 0 && nodes.size < MAX_NODES) {
    const ds = queue.shift()!;
    if (nodes.has(ds.id)) continue;
    nodes.set(ds.id, {
      id: ds.id,
      digest: ds.digest,
      classification: ds.classification,
      transform: ds.transform,
      status: ds.status,
    });
    for (const parentId of ds.parents) {
      const edge: LineageEdge = { from: ds.id, to: parentId, ledgerIndex: ds.ledgerIndex };
      if (opts.proofs) edge.proof = await ctx.ledger.inclusionProof(ds.ledgerIndex);
      edges.push(edge);
      if (!nodes.has(parentId)) queue.push(await getDataset(ctx, parentId));
    }
  }
  return { root: root.id, nodes: [...nodes.values()], edges };
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Graphviz DOT: an arrow from each parent to what was derived from it, labelled with the transform. */
export function lineageToDot(l: Lineage): string {
  const transforms = new Map(l.nodes.map((n) => [n.id, n.transform]));
  const lines = ["digraph lineage {", "  rankdir=LR;", "  node [shape=box];"];
  for (const n of l.nodes)
    lines.push(`  ${quote(n.id)} [label=${quote(`${n.id}\\n${n.classification}\\n${n.digest.slice(0, 12)}`)}];`);
  for (const e of l.edges) {
    const label = `${transforms.get(e.from) ?? ""} (ledger #${e.ledgerIndex})`.trim();
    lines.push(`  ${quote(e.to)} -> ${quote(e.from)} [label=${quote(label)}];`);
  }
  lines.push("}");
  return lines.join("\n");
}

/** Mermaid flowchart, same shape as the DOT output. */
export function lineageToMermaid(l: Lineage): string {
  const ids = new Map(l.nodes.map((n, i) => [n.id, `d${i}`]));
  const transforms = new Map(l.nodes.map((n) => [n.id, n.transform]));
  const safe = (s: string) => s.replace(/["`|]/g, "'");
  const lines = ["flowchart LR"];
  for (const n of l.nodes) lines.push(`  ${ids.get(n.id)}["${safe(n.id)}<br/>${n.classification}"]`);
  for (const e of l.edges) {
    const label = safe(`${transforms.get(e.from) ?? "derived"} #${e.ledgerIndex}`);
    lines.push(`  ${ids.get(e.to)} -->|"${label}"| ${ids.get(e.from)}`);
  }
  return lines.join("\n");
}
