/**
 * Streaming JSON Lines reader: one JSON object per line, LF or CRLF, blank lines skipped. Lines are split on bytes
 * so files larger than memory stream through; bad UTF-8, oversized lines, invalid JSON and non-object records are an
 * `E_DATA_PARSE` naming the file, line and column.
 */
import { jsonErrorOffset } from "./json-locate.ts";
import {
  decodeUtf8,
  firstInvalidUtf8,
  parseError,
  readChunks,
  type SourceOptions,
  sourceLabel,
  type TabularSource,
} from "./source.ts";

/** Options of {@link readJsonl}. */
export interface JsonlOptions extends SourceOptions {
  /** Largest line in bytes (default 16 MiB). */
  maxLineBytes?: number;
}

/** One JSON Lines record with its 1-based line number. */
export interface JsonlRow {
  line: number;
  record: Record<string, unknown>;
}

/**
 * Reads a JSON Lines file or stream (https://jsonlines.org) as an async iterable of `{line, record}`; each line must
 * be a JSON object. Throws `E_DATA_PARSE` with file, line and column on malformed input.
 */
export async function* readJsonl(source: TabularSource, opts: JsonlOptions = {}): AsyncGenerator<JsonlRow> {
  const label = sourceLabel(source, opts);
  const maxLineBytes = opts.maxLineBytes ?? 1 << 24;
  let line = 0;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let first = true;

  const parseLine = (bytes: Buffer): JsonlRow | undefined => {
    line++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--;
    const body = bytes.subarray(0, end);
    const text = decodeUtf8(body);
    if (text === undefined) {
      const at = firstInvalidUtf8(body);
      const col = decodeUtf8(body.subarray(0, at))?.length ?? at;
      throw parseError(label, line, col + 1, "invalid UTF-8", "re-encode the file as UTF-8");
    }
    if (text.trim() === "") return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      const at = jsonErrorOffset(text);
      const where = at < 0 || at >= text.length ? "end of line" : `${JSON.stringify(text.slice(at, at + 12))}`;
      throw parseError(
        label,
        line,
        Math.max(0, Math.min(at < 0 ? text.length : at, text.length)) + 1,
        `invalid JSON at ${where}`,
        "each line must hold one complete JSON object",
        e,
      );
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw parseError(label, line, 1, "expected a JSON object", "each line must hold one JSON object");
    }
    return { line, record: value as Record<string, unknown> };
  };

  for await (let chunk of readChunks(source, label)) {
    if (first) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    }
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      partBytes += end - start;
      if (partBytes > maxLineBytes) {
        throw parseError(label, line + 1, 1, `line longer than ${maxLineBytes} bytes`, "split the record");
      }
      if (end > start) parts.push(chunk.subarray(start, end));
      if (nl < 0) break;
      const row = parseLine(parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes));
      parts = [];
      partBytes = 0;
      if (row) yield row;
      start = nl + 1;
    }
  }
  if (partBytes > 0) {
    const row = parseLine(parts.length === 1 ? parts[0]! : Buffer.concat(parts, partBytes));
    if (row) yield row;
  }
}
