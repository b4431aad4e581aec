/**
 * Finds where a JSON text (RFC 8259) first goes wrong, so parse errors can name a column. Only called after
 * `JSON.parse` failed; iterative (no recursion), so deeply nested input cannot overflow the stack.
 */

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** 0-based UTF-16 offset of the first character that makes `text` invalid JSON (text.length if it ends early). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const stack: number[] = []; // 0x7b object, 0x5b array
  const skipWs = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const literal = (word: string): boolean => {
    if (text.startsWith(word, i)) {
      i += word.length;
      return true;
    }
    return false;
  };
  const string = (): boolean => {
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0].length === 0) return false;
    i += m[0].length;
    return true;
  };
  // value: parse one value, then loop over container punctuation
  let expectValue = true;
  for (;;) {
    skipWs();
    if (expectValue) {
      const c = text[i];
      if (c === "{" || c === "[") {
        stack.push(text.charCodeAt(i));
        i++;
        skipWs();
        if (text[i] === (c === "{" ? "}" : "]")) {
          stack.pop();
          i++;
          expectValue = false;
          continue;
        }
        if (c === "{") {
          if (text[i] !== '"' || !string()) return i;
          skipWs();
          if (text[i] !== ":") return i;
          i++;
        }
        continue;
      }
      const ok =
        c === '"'
          ? string()
          : c === "t"
            ? literal("true")
            : c === "f"
              ? literal("false")
              : c === "n"
                ? literal("null")
                : number();
      if (!ok) return i;
      expectValue = false;
      continue;
    }
    const top = stack.at(-1);
    if (top === undefined) return i < text.length ? i : -1;
    const c = text[i];
    if (c === ",") {
      i++;
      if (top === 0x7b) {
        skipWs();
        if (text[i] !== '"' || !string()) return i;
        skipWs();
        if (text[i] !== ":") return i;
        i++;
      }
      expectValue = true;
    } else if ((c === "}" && top === 0x7b) || (c === "]" && top === 0x5b)) {
      stack.pop();
      i++;
    } else return i;
  }
}
