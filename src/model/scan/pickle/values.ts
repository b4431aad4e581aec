/**
 * Symbolic values of the pickle stack machine. Containers keep only their first items (bounded memory); globals and
 * calls keep what was imported and what was called, which is all a verdict needs.
 */

/** Containers keep at most this many items; the rest are only counted. */
export const MAX_ITEMS = 256;
/** Strings longer than this are truncated (and can no longer name a global). */
export const MAX_STRING = 65_536;

/** One global import site. */
export interface GlobalRef {
  module: string;
  name: string;
  offset: number;
  opcode: string;
  called: boolean;
}

export type PVal =
  | { t: "none" }
  | { t: "bool"; v: boolean }
  | { t: "int"; v: bigint }
  | { t: "float" }
  | { t: "str"; v: string; truncated: boolean }
  | { t: "bytes"; v: Uint8Array }
  | { t: "tuple" | "list" | "set"; items: PVal[]; n: number }
  | { t: "dict"; entries: [PVal, PVal][]; n: number }
  | { t: "global"; ref: GlobalRef }
  | { t: "call"; fn: PVal; args: PVal; offset: number }
  | { t: "persid"; id: PVal }
  | { t: "ext"; code: number }
  | { t: "buffer" };

export const NONE: PVal = { t: "none" };

/** Appends to a container, counting past the cap. */
export function pushItem(c: { items: PVal[]; n: number }, v: PVal): void {
  c.n++;
  if (c.items.length < MAX_ITEMS) c.items.push(v);
}

/** Sets a dict entry, counting past the cap. */
export function setEntry(d: { entries: [PVal, PVal][]; n: number }, k: PVal, v: PVal): void {
  if (k.t === "str") {
    const i = d.entries.findIndex(([ek]) => ek.t === "str" && ek.v === k.v);
    if (i >= 0) {
      d.entries[i] = [k, v];
      return;
    }
  }
  d.n++;
  if (d.entries.length < MAX_ITEMS) d.entries.push([k, v]);
}

/** Looks up a string key of a symbolic dict. */
export function dictGet(d: PVal, key: string): PVal | undefined {
  if (d.t !== "dict") return undefined;
  for (const [k, v] of d.entries) if (k.t === "str" && k.v === key) return v;
  return undefined;
}

/** A short, bounded description of a value for messages. */
export function describe(v: PVal, depth = 0): string {
  if (depth > 3) return "…";
  switch (v.t) {
    case "none":
      return "None";
    case "bool":
      return v.v ? "True" : "False";
    case "int":
      return v.v.toString().slice(0, 40);
    case "float":
      return "<float>";
    case "str":
      return JSON.stringify(v.v.length > 80 ? `${v.v.slice(0, 80)}…` : v.v);
    case "bytes":
      return `<${v.v.length} bytes>`;
    case "tuple":
    case "list":
    case "set": {
      const inner = v.items
        .slice(0, 4)
        .map((x) => describe(x, depth + 1))
        .join(", ");
      const more = v.n > 4 ? ", …" : "";
      return v.t === "list" ? `[${inner}${more}]` : v.t === "set" ? `{${inner}${more}}` : `(${inner}${more})`;
    }
    case "dict":
      return `{${v.n} items}`;
    case "global":
      return `${v.ref.module}.${v.ref.name}`;
    case "call":
      return `${describe(v.fn, depth + 1)}${v.args.t === "tuple" ? describe(v.args, depth + 1) : "(…)"}`;
    case "persid":
      return `persistent_load(${describe(v.id, depth + 1)})`;
    case "ext":
      return `<extension ${v.code}>`;
    case "buffer":
      return "<buffer>";
  }
}
