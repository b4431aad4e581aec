/**
 * Decoders for the text arguments of protocol-0 pickle opcodes, following CPython's `pickle` module: UTF-8 for
 * GLOBAL/INST names, `raw-unicode-escape` for UNICODE, quoted `string-escape` for STRING, decimal for INT/LONG/GET/PUT.
 */

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8, or undefined when the bytes are not valid UTF-8 (CPython raises there). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Latin-1 decoding (every byte is one code point). */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  }
  return s;
}

/**
 * Python's `raw-unicode-escape`: `\u` plus 4 hex digits and `\U` plus 8 escape a code point; every other byte is
 * Latin-1.
 */
export function rawUnicodeEscape(bytes: Uint8Array): string | undefined {
  const s = latin1(bytes);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" && (s[i + 1] === "u" || s[i + 1] === "U")) {
      // an odd run of backslashes before u/U starts an escape
      let run = 0;
      for (let j = i; j >= 0 && s[j] === "\\"; j--) run++;
      if (run % 2 === 1) {
        const n = s[i + 1] === "u" ? 4 : 8;
        const hex = s.slice(i + 2, i + 2 + n);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return undefined;
        const cp = Number.parseInt(hex, 16);
        if (cp > 0x10ffff) return undefined;
        out += String.fromCodePoint(cp);
        i += 1 + n;
        continue;
      }
    }
    out += c;
  }
  return out;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

/** The STRING opcode argument: must be quoted with matching quotes; backslash escapes decoded as `escape_decode`. */
export function quotedString(bytes: Uint8Array): string | undefined {
  const s = latin1(bytes);
  if (s.length < 2 || s[0] !== s[s.length - 1] || (s[0] !== "'" && s[0] !== '"')) return undefined;
  const body = s.slice(1, -1);
  let out = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (e === "\n") {
      i++;
    } else if (e === "x") {
      const hex = body.slice(i + 2, i + 4);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 3;
    } else if (e >= "0" && e <= "7") {
      const m = /^[0-7]{1,3}/.exec(body.slice(i + 1))![0];
      out += String.fromCharCode(Number.parseInt(m, 8) & 0xff);
      i += m.length;
    } else {
      out += "\\";
    }
  }
  return out;
}

/** An integer literal as INT/LONG/GET/PUT accept it (optional sign, trailing `L` for LONG). */
export function parseIntLine(text: string, allowL: boolean): bigint | undefined {
  let t = text.trim();
  if (allowL && t.endsWith("L")) t = t.slice(0, -1);
  if (!/^[+-]?(?:\d+|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)$/.test(t)) return undefined;
  const neg = t.startsWith("-");
  const body = t.replace(/^[+-]/, "");
  if (body.length > 4300) return undefined;
  const v = BigInt(body);
  return neg ? -v : v;
}
