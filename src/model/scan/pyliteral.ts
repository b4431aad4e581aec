/**
 * A bounded parser for the Python literal subset NumPy writes in `.npy` headers: dicts, tuples, lists, strings,
 * integers, True/False/None. Anything else is rejected (NumPy itself parses the header with `ast.literal_eval`).
 */

export type PyLit = string | number | boolean | null | PyLit[] | { [k: string]: PyLit };

/** Parses `text` or throws an Error saying where it stopped. */
export function parsePyLiteral(text: string): PyLit {
  let i = 0;
  let depth = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (): PyLit => {
    ws();
    const c = text[i];
    if (c === undefined) throw new Error("unexpected end of header");
    if (c === "{" || c === "(" || c === "[") {
      if (++depth > 32) throw new Error("header nests too deeply");
      const close = c === "{" ? "}" : c === "(" ? ")" : "]";
      i++;
      const items: PyLit[] = [];
      const dict: Record<string, PyLit> = {};
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const v = value();
        if (c === "{") {
          ws();
          if (text[i] !== ":") throw new Error(`expected ':' at ${i}`);
          i++;
          dict[String(v)] = value();
        } else items.push(v);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at ${i}`);
      }
      depth--;
      return c === "{" ? dict : items;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error("unterminated string");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(?:-?\d+L?|True|False|None)/.exec(text.slice(i, i + 40));
    if (!m) throw new Error(`unexpected '${c}' at ${i}`);
    i += m[0].length;
    if (m[0] === "True") return true;
    if (m[0] === "False") return false;
    if (m[0] === "None") return null;
    return Number(m[0].replace("L", ""));
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error(`trailing characters at ${i}`);
  return v;
}
