/**
 * An LZMA / LZMA2 decoder (the algorithm of the LZMA SDK's reference decoder, LzmaSpec), bounded: output stops with an
 * error past `maxBytes`. Used for 7z archives. Malformed input throws LzmaError; it never loops without consuming.
 */

/** Malformed LZMA data or an exceeded output limit. */
export class LzmaError extends Error {
  constructor(
    message: string,
    readonly limit = false,
  ) {
    super(message);
  }
}

class Output {
  buf: Uint8Array;
  pos = 0;
  dictStart = 0;
  constructor(
    expected: number,
    private readonly max: number,
  ) {
    this.buf = new Uint8Array(Math.min(Math.max(expected, 1024), max));
  }
  put(b: number): void {
    if (this.pos >= this.buf.length) {
      if (this.pos >= this.max) throw new LzmaError(`output exceeds ${this.max} bytes`, true);
      const next = new Uint8Array(Math.min(this.max, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.pos++] = b;
  }
  get(dist: number): number {
    return this.buf[this.pos - dist]!;
  }
  has(dist: number): boolean {
    return dist <= this.pos - this.dictStart;
  }
}

class RangeDecoder {
  range = 0xffffffff;
  code = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
    private readonly end: number,
  ) {
    if (this.byte() !== 0) throw new LzmaError("range coder does not start with 0");
    for (let i = 0; i < 4; i++) this.code = ((this.code << 8) | this.byte()) >>> 0;
    if (this.code === this.range) throw new LzmaError("corrupt range coder start");
  }
  private byte(): number {
    if (this.pos >= this.end) throw new LzmaError("LZMA data ends early");
    return this.data[this.pos++]!;
  }
  private normalize(): void {
    if (this.range < 0x1000000) {
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | this.byte()) >>> 0;
    }
  }
  bit(probs: Uint16Array, i: number): number {
    const p = probs[i]!;
    const bound = (this.range >>> 11) * p;
    let b: number;
    if (this.code < bound) {
      this.range = bound;
      probs[i] = p + ((2048 - p) >>> 5);
      b = 0;
    } else {
      this.range = (this.range - bound) >>> 0;
      this.code = (this.code - bound) >>> 0;
      probs[i] = p - (p >>> 5);
      b = 1;
    }
    this.normalize();
    return b;
  }
  direct(n: number): number {
    let res = 0;
    for (let i = 0; i < n; i++) {
      this.range >>>= 1;
      this.code = (this.code - this.range) >>> 0;
      const t = this.code >>> 31 ? 0xffffffff : 0;
      this.code = (this.code + (this.range & t)) >>> 0;
      this.normalize();
      res = ((res << 1) + (t ? 0 : 1)) >>> 0;
    }
    return res;
  }
  tree(probs: Uint16Array, offset: number, bits: number): number {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) + this.bit(probs, offset + m);
    return m - (1 << bits);
  }
  reverse(probs: Uint16Array, offset: number, bits: number): number {
    let m = 1;
    let sym = 0;
    for (let i = 0; i < bits; i++) {
      const b = this.bit(probs, offset + m);
      m = (m << 1) + b;
      sym |= b << i;
    }
    return sym;
  }
}

/** Probabilities and state of one LZMA decoder (kept across LZMA2 chunks). */
class LzmaState {
  lc = 0;
  lp = 0;
  pb = 0;
  lit = new Uint16Array(0);
  isMatch = new Uint16Array(192);
  isRep = new Uint16Array(12);
  isRepG0 = new Uint16Array(12);
  isRepG1 = new Uint16Array(12);
  isRepG2 = new Uint16Array(12);
  isRep0Long = new Uint16Array(192);
  posSlot = new Uint16Array(4 * 64);
  posDec = new Uint16Array(115);
  align = new Uint16Array(16);
  len = new Uint16Array(2 + 16 * 8 * 2 + 256);
  repLen = new Uint16Array(2 + 16 * 8 * 2 + 256);
  state = 0;
  reps = [0, 0, 0, 0];

  setProps(props: number): void {
    if (props >= 9 * 5 * 5) throw new LzmaError("invalid LZMA properties");
    this.lc = props % 9;
    this.lp = Math.floor(props / 9) % 5;
    this.pb = Math.floor(props / 45);
    if (this.lc + this.lp > 12) throw new LzmaError("LZMA lc + lp too large");
    this.lit = new Uint16Array(0x300 << (this.lc + this.lp));
  }

  reset(): void {
    for (const a of [
      this.lit,
      this.isMatch,
      this.isRep,
      this.isRepG0,
      this.isRepG1,
      this.isRepG2,
      this.isRep0Long,
      this.posSlot,
      this.posDec,
      this.align,
      this.len,
      this.repLen,
    ])
      a.fill(1024);
    this.state = 0;
    this.reps = [0, 0, 0, 0];
  }

  private lenDecode(rc: RangeDecoder, probs: Uint16Array, posState: number): number {
    if (rc.bit(probs, 0) === 0) return rc.tree(probs, 2 + posState * 8, 3);
    if (rc.bit(probs, 1) === 0) return 8 + rc.tree(probs, 2 + 128 + posState * 8, 3);
    return 16 + rc.tree(probs, 2 + 256, 8);
  }

  /** Decodes until `unpackSize` bytes are produced (or an end marker when the size is unknown). */
  decode(rc: RangeDecoder, out: Output, unpackSize: number | undefined, dictSize: number): void {
    const target = unpackSize === undefined ? Number.POSITIVE_INFINITY : out.pos + unpackSize;
    const pbMask = (1 << this.pb) - 1;
    const lpMask = (1 << this.lp) - 1;
    while (out.pos < target) {
      const posState = out.pos & pbMask;
      const s = this.state;
      if (rc.bit(this.isMatch, (s << 4) + posState) === 0) {
        const prev = out.pos > out.dictStart ? out.get(1) : 0;
        const base = 0x300 * (((out.pos & lpMask) << this.lc) + (prev >>> (8 - this.lc)));
        let sym = 1;
        if (s >= 7) {
          let match = out.get(this.reps[0]! + 1);
          do {
            const mb = (match >>> 7) & 1;
            match <<= 1;
            const b = rc.bit(this.lit, base + ((1 + mb) << 8) + sym);
            sym = (sym << 1) | b;
            if (mb !== b) break;
          } while (sym < 0x100);
        }
        while (sym < 0x100) sym = (sym << 1) | rc.bit(this.lit, base + sym);
        out.put(sym - 0x100);
        this.state = s < 4 ? 0 : s < 10 ? s - 3 : s - 6;
        continue;
      }
      let len: number;
      if (rc.bit(this.isRep, s) !== 0) {
        if (out.pos === out.dictStart) throw new LzmaError("repeat match before any output");
        if (rc.bit(this.isRepG0, s) === 0) {
          if (rc.bit(this.isRep0Long, (s << 4) + posState) === 0) {
            this.state = s < 7 ? 9 : 11;
            out.put(out.get(this.reps[0]! + 1));
            continue;
          }
        } else {
          let dist: number;
          if (rc.bit(this.isRepG1, s) === 0) dist = this.reps[1]!;
          else {
            if (rc.bit(this.isRepG2, s) === 0) dist = this.reps[2]!;
            else {
              dist = this.reps[3]!;
              this.reps[3] = this.reps[2]!;
            }
            this.reps[2] = this.reps[1]!;
          }
          this.reps[1] = this.reps[0]!;
          this.reps[0] = dist;
        }
        len = this.lenDecode(rc, this.repLen, posState);
        this.state = s < 7 ? 8 : 11;
      } else {
        this.reps[3] = this.reps[2]!;
        this.reps[2] = this.reps[1]!;
        this.reps[1] = this.reps[0]!;
        len = this.lenDecode(rc, this.len, posState);
        this.state = s < 7 ? 7 : 10;
        const lenState = Math.min(len, 3);
        const slot = rc.tree(this.posSlot, lenState * 64, 6);
        let dist: number;
        if (slot < 4) dist = slot;
        else {
          const direct = (slot >>> 1) - 1;
          dist = ((2 | (slot & 1)) << direct) >>> 0;
          if (slot < 14) dist += rc.reverse(this.posDec, dist - slot, direct);
          else dist = (dist + ((rc.direct(direct - 4) << 4) >>> 0) + rc.reverse(this.align, 0, 4)) >>> 0;
        }
        if (dist === 0xffffffff) {
          if (unpackSize === undefined) return;
          throw new LzmaError("unexpected end marker");
        }
        this.reps[0] = dist;
        if (dist >= dictSize || !out.has(dist + 1)) throw new LzmaError("match distance points before the data");
      }
      len += 2;
      if (out.pos + len > target) throw new LzmaError("match runs past the declared size");
      for (let i = 0; i < len; i++) out.put(out.get(this.reps[0]! + 1));
    }
  }
}

/**
 * Decodes raw LZMA data with 7z-style properties (props byte + 32-bit dictionary size); an undefined size decodes up
 * to the end marker.
 */
export function decodeLzma(
  data: Uint8Array,
  props: Uint8Array,
  unpackSize: number | undefined,
  maxBytes: number,
): Uint8Array {
  if (props.length < 5) throw new LzmaError("LZMA properties are too short");
  if (unpackSize !== undefined && unpackSize > maxBytes)
    throw new LzmaError(`declared size ${unpackSize} exceeds ${maxBytes} bytes`, true);
  const st = new LzmaState();
  st.setProps(props[0]!);
  st.reset();
  const dictSize = Math.max(4096, (props[1]! | (props[2]! << 8) | (props[3]! << 16) | (props[4]! << 24)) >>> 0);
  const out = new Output(unpackSize ?? data.length * 4, maxBytes);
  st.decode(new RangeDecoder(data, 0, data.length), out, unpackSize, dictSize);
  return out.buf.subarray(0, out.pos);
}

/** Decodes an LZMA2 chunk stream (7z coder 0x21). */
export function decodeLzma2(data: Uint8Array, expected: number, maxBytes: number): Uint8Array {
  return decodeLzma2At(data, 0, expected, maxBytes).out;
}

/** Decodes the LZMA2 chunk stream starting at `start`; returns the output and where the stream ended. */
export function decodeLzma2At(
  data: Uint8Array,
  start: number,
  expected: number,
  maxBytes: number,
): { out: Uint8Array; end: number } {
  const out = new Output(expected, maxBytes);
  const st = new LzmaState();
  let p = start;
  let propsSet = false;
  for (;;) {
    if (p >= data.length) throw new LzmaError("LZMA2 stream ends without an end marker");
    const control = data[p++]!;
    if (control === 0) break;
    if (control === 1 || control === 2) {
      if (p + 2 > data.length) throw new LzmaError("truncated LZMA2 chunk header");
      const size = ((data[p]! << 8) | data[p + 1]!) + 1;
      p += 2;
      if (p + size > data.length) throw new LzmaError("truncated LZMA2 chunk");
      if (control === 1) out.dictStart = out.pos;
      for (let i = 0; i < size; i++) out.put(data[p + i]!);
      p += size;
      continue;
    }
    if (control < 0x80) throw new LzmaError(`invalid LZMA2 control byte 0x${control.toString(16)}`);
    if (p + 4 > data.length) throw new LzmaError("truncated LZMA2 chunk header");
    const unpacked = ((control & 0x1f) << 16) + ((data[p]! << 8) | data[p + 1]!) + 1;
    const packed = ((data[p + 2]! << 8) | data[p + 3]!) + 1;
    p += 4;
    const mode = (control >>> 5) & 3;
    if (mode === 3) out.dictStart = out.pos;
    if (mode >= 2) {
      if (p >= data.length) throw new LzmaError("truncated LZMA2 properties");
      st.setProps(data[p++]!);
      propsSet = true;
    }
    if (!propsSet) throw new LzmaError("LZMA2 chunk without properties");
    if (mode >= 1) st.reset();
    if (p + packed > data.length) throw new LzmaError("truncated LZMA2 chunk");
    st.decode(new RangeDecoder(data, p, p + packed), out, unpacked, 0xffffffff);
    p += packed;
  }
  return { out: out.buf.subarray(0, out.pos), end: p };
}

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const XZ_CHECK_SIZE = [0, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64];

/**
 * Decodes an .xz stream (XZ file format 1.0.4): blocks whose filter chain is LZMA2, optionally after the x86 BCJ
 * filter. Checks are skipped (not verified); other filters are rejected.
 */
export function decodeXz(data: Uint8Array, maxBytes: number): Uint8Array {
  if (data.length < 12 || !XZ_MAGIC.every((b, i) => data[i] === b)) throw new LzmaError("not an xz stream");
  const checkSize = XZ_CHECK_SIZE[data[7]! & 0x0f]!;
  const parts: Uint8Array[] = [];
  let total = 0;
  let p = 12;
  for (;;) {
    if (p >= data.length) throw new LzmaError("xz stream ends early");
    const sizeByte = data[p]!;
    if (sizeByte === 0) break;
    const headerEnd = p + (sizeByte + 1) * 4;
    if (headerEnd > data.length) throw new LzmaError("truncated xz block header");
    const flags = data[p + 1]!;
    let q = p + 2;
    const varint = (): number => {
      let v = 0;
      for (let i = 0, mul = 1; i < 9; i++, mul *= 128) {
        const b = data[q++]!;
        v += (b & 0x7f) * mul;
        if (!(b & 0x80)) return v;
      }
      throw new LzmaError("bad xz varint");
    };
    if (flags & 0x40) varint();
    if (flags & 0x80) varint();
    let bcj = false;
    let lzma2 = false;
    for (let f = 0; f <= (flags & 3); f++) {
      const id = varint();
      const propsLen = varint();
      q += propsLen;
      if (id === 0x21) lzma2 = true;
      else if (id === 0x04) bcj = true;
      else throw new LzmaError(`xz filter 0x${id.toString(16)} is not supported`);
    }
    if (!lzma2) throw new LzmaError("xz block without LZMA2");
    const { out, end } = decodeLzma2At(data, headerEnd, 1 << 16, Math.max(0, maxBytes - total));
    const block = bcj ? x86Decode(out.slice()) : out;
    parts.push(block);
    total += block.length;
    p = Math.ceil(end / 4) * 4 + checkSize;
  }
  const result = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    result.set(part, o);
    o += part.length;
  }
  return result;
}

const test86 = (b: number): boolean => ((b + 1) & 0xfe) === 0;

/** Undoes the x86 BCJ branch-conversion filter (7z coder 03030103) in place, as the LZMA SDK's x86_Convert does. */
export function x86Decode(data: Uint8Array): Uint8Array {
  if (data.length < 5) return data;
  const size = data.length - 4;
  const ip = 5;
  let pos = 0;
  let mask = 0;
  for (;;) {
    let p = pos;
    while (p < size && (data[p]! & 0xfe) !== 0xe8) p++;
    const d = p - pos;
    pos = p;
    if (p >= size) return data;
    if (d > 2) mask = 0;
    else {
      mask >>>= d;
      if (mask !== 0 && (mask > 4 || mask === 3 || test86(data[p + (mask >>> 1) + 1]!))) {
        mask = (mask >>> 1) | 4;
        pos++;
        continue;
      }
    }
    if (test86(data[p + 4]!)) {
      let v = ((data[p + 4]! << 24) | (data[p + 3]! << 16) | (data[p + 2]! << 8) | data[p + 1]!) >>> 0;
      const cur = (ip + pos) >>> 0;
      pos += 5;
      v = (v - cur) >>> 0;
      if (mask !== 0) {
        const sh = (mask & 6) << 2;
        if (test86((v >>> sh) & 0xff)) {
          v = (v ^ (((0x100 << sh) >>> 0) - 1)) >>> 0;
          v = (v - cur) >>> 0;
        }
        mask = 0;
      }
      data[p + 1] = v & 0xff;
      data[p + 2] = (v >>> 8) & 0xff;
      data[p + 3] = (v >>> 16) & 0xff;
      data[p + 4] = (0 - ((v >>> 24) & 1)) & 0xff;
    } else {
      mask = (mask >>> 1) | 4;
      pos++;
    }
  }
}
