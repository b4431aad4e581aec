/**
 * Streaming plain-text reader: decodes UTF-8 strictly and yields pieces of about `chunkChars` characters cut at line
 * ends (never inside a PEM block), each with its UTF-16 offset and 1-based first line, so files larger than memory can
 * be scanned piece by piece with offsets into the whole file.
 */
import {
  firstInvalidUtf8,
  parseError,
  readChunks,
  type SourceOptions,
  sourceLabel,
  type TabularSource,
} from "./source.ts";

/** Options of {@link readTextChunks}. */
export interface TextChunkOptions extends SourceOptions {
  /** Target piece size in UTF-16 code units (default 64 Ki). */
  chunkChars?: number;
  /** Longest piece allowed when no line end is found (default 16 Mi characters). */
  maxChunkChars?: number;
}

/** One piece of a text file. */
export interface TextChunk {
  text: string;
  /** UTF-16 offset of the piece in the whole file. */
  offset: number;
  /** 1-based line number of the piece's first character. */
  line: number;
}

function cutPoint(buf: string, target: number): number {
  const nl = buf.lastIndexOf("\n", target);
  if (nl < 0) return -1;
  let cut = nl + 1;
  const begin = buf.lastIndexOf("-----BEGIN", cut);
  if (begin >= 0 && buf.indexOf("-----END", begin) < 0) cut = buf.lastIndexOf("\n", begin) + 1;
  else if (begin >= 0 && buf.indexOf("-----END", begin) >= cut) {
    const endNl = buf.indexOf("\n", buf.indexOf("-----END", begin));
    cut = endNl < 0 ? -1 : endNl + 1;
  }
  return cut > 0 ? cut : -1;
}

const countLines = (s: string): number => {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) n++;
  return n;
};

/** Reads a UTF-8 text file or stream as pieces cut at line ends. Bad UTF-8 is `E_DATA_PARSE` with line and column. */
export async function* readTextChunks(source: TabularSource, opts: TextChunkOptions = {}): AsyncGenerator<TextChunk> {
  const label = sourceLabel(source, opts);
  const target = opts.chunkChars ?? 1 << 16;
  const max = opts.maxChunkChars ?? 1 << 24;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let buf = "";
  let offset = 0;
  let line = 1;
  const decode = (chunk: Buffer | undefined): string => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch (e) {
      // Locate the first bad byte: the text already decoded plus the chunk's valid prefix.
      const at = chunk ? firstInvalidUtf8(chunk) : -1;
      const before = buf + (chunk && at > 0 ? new TextDecoder().decode(chunk.subarray(0, at)) : "");
      const nl = before.lastIndexOf("\n");
      const col = before.length - nl;
      throw parseError(label, line + countLines(before), col, "invalid UTF-8", "re-encode the file as UTF-8", e);
    }
  };
  let first = true;
  for await (const chunk of readChunks(source, label)) {
    buf += decode(chunk);
    if (first) {
      first = false;
      if (buf.charCodeAt(0) === 0xfeff) buf = buf.slice(1);
    }
    while (buf.length >= target) {
      let cut = cutPoint(buf, target);
      if (cut < 0) {
        if (buf.length < max) break;
        cut = max;
      }
      const text = buf.slice(0, cut);
      yield { text, offset, line };
      offset += text.length;
      line += countLines(text);
      buf = buf.slice(cut);
    }
  }
  buf += decode(undefined);
  if (buf.length > 0) yield { text: buf, offset, line };
}
