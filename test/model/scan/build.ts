/**
 * Byte-level builders for scanner test fixtures: pickles opcode by opcode, zips with tunable headers, tar, npy,
 * safetensors, GGUF and protobuf messages. Nothing here is ever loaded; the scanner parses it as bytes.
 */
import { crc32, deflateRawSync } from "node:zlib";

const enc = new TextEncoder();

export function bytes(...parts: (number | string | Uint8Array | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "number") out.push(p);
    else if (typeof p === "string") for (const b of enc.encode(p)) out.push(b);
    else for (const b of p) out.push(b);
  }
  return Uint8Array.from(out);
}

/** Pickle opcode helpers (protocol 0-5). */
export const P = {
  proto: (n: number) => bytes(0x80, n),
  global: (m: string, n: string) => bytes("c", m, "\n", n, "\n"),
  inst: (m: string, n: string) => bytes("i", m, "\n", n, "\n"),
  unicode: (s: string) => bytes("V", s, "\n"),
  sbu: (s: string) => {
    const b = enc.encode(s);
    return bytes(0x8c, b.length, b);
  },
  binunicode: (s: string) => {
    const b = enc.encode(s);
    return bytes(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, b);
  },
  int1: (n: number) => bytes(0x4b, n),
  mark: bytes("("),
  tuple: bytes("t"),
  tuple1: bytes(0x85),
  tuple2: bytes(0x86),
  emptyTuple: bytes(")"),
  emptyDict: bytes("}"),
  emptyList: bytes("]"),
  append: bytes("a"),
  setitem: bytes("s"),
  setitems: bytes("u"),
  reduce: bytes("R"),
  build: bytes("b"),
  newobj: bytes(0x81),
  memoize: bytes(0x94),
  stackGlobal: bytes(0x93),
  binput: (i: number) => bytes("q", i),
  binget: (i: number) => bytes("h", i),
  pop: bytes("0"),
  none: bytes("N"),
  newfalse: bytes(0x89),
  stop: bytes("."),
};

/** `module.name(arg)` as protocol-4 STACK_GLOBAL + REDUCE. */
export function callPickle(module: string, name: string, arg = "id"): Uint8Array {
  return bytes(P.proto(4), P.sbu(module), P.sbu(name), P.stackGlobal, P.sbu(arg), P.tuple1, P.reduce, P.stop);
}

/** A benign protocol-2 list pickle. */
export function benignPickle(): Uint8Array {
  return bytes(P.proto(2), P.emptyList, P.int1(1), P.append, P.stop);
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  flags?: number;
  crc?: number;
  localName?: string;
}

function le16(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A zip archive; `central: false` omits the central directory and EOCD. */
export function zip(members: ZipMember[], opts: { central?: boolean } = {}): Uint8Array {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.deflate ? new Uint8Array(deflateRawSync(m.data)) : m.data;
    const crc = m.crc ?? crc32(m.data) >>> 0;
    const method = m.deflate ? 8 : 0;
    const flags = m.flags ?? 0;
    const lname = enc.encode(m.localName ?? m.name);
    const cname = enc.encode(m.name);
    const local = bytes(
      le32(0x04034b50),
      le16(20),
      le16(flags),
      le16(method),
      le16(0),
      le16(0),
      le32(crc),
      le32(body.length),
      le32(m.data.length),
      le16(lname.length),
      le16(0),
      lname,
      body,
    );
    centrals.push(
      bytes(
        le32(0x02014b50),
        le16(20),
        le16(20),
        le16(flags),
        le16(method),
        le16(0),
        le16(0),
        le32(crc),
        le32(body.length),
        le32(m.data.length),
        le16(cname.length),
        le16(0),
        le16(0),
        le16(0),
        le16(0),
        le32(0),
        le32(offset),
        cname,
      ),
    );
    locals.push(local);
    offset += local.length;
  }
  if (opts.central === false) return bytes(...locals);
  const cd = bytes(...centrals);
  const eocd = bytes(
    le32(0x06054b50),
    le16(0),
    le16(0),
    le16(members.length),
    le16(members.length),
    le32(cd.length),
    le32(offset),
    le16(0),
  );
  return bytes(...locals, cd, eocd);
}

/** A ustar tar archive. */
export function tar(members: { name: string; data: Uint8Array }[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const h = new Uint8Array(512);
    h.set(enc.encode(m.name), 0);
    h.set(enc.encode("0000644\0"), 100);
    h.set(enc.encode("0000000\0"), 108);
    h.set(enc.encode("0000000\0"), 116);
    h.set(enc.encode(`${m.data.length.toString(8).padStart(11, "0")}\0`), 124);
    h.set(enc.encode("00000000000\0"), 136);
    h[156] = 0x30;
    h.set(enc.encode("ustar\0"), 257);
    h.set(enc.encode("00"), 263);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.set(enc.encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    parts.push(h, m.data, new Uint8Array((512 - (m.data.length % 512)) % 512));
  }
  parts.push(new Uint8Array(1024));
  return bytes(...parts);
}

/** An .npy v1 file. */
export function npy(descr: string, shape: string, data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64);
  header += "\n";
  return bytes(0x93, "NUMPY", 1, 0, le16(header.length), header, data);
}

/** A safetensors file from a header object and a data length. */
export function safetensors(header: Record<string, unknown>, dataLen: number): Uint8Array {
  const h = enc.encode(JSON.stringify(header));
  return bytes(le32(h.length), le32(0), h, new Uint8Array(dataLen));
}

/** GGUF v3 with string metadata and F32 tensors. */
export function gguf(
  meta: Record<string, string>,
  tensors: { name: string; dims: number[]; offset: number }[],
  dataLen: number,
): Uint8Array {
  const u64 = (n: number) => [...le32(n), ...le32(0)];
  const str = (s: string) => {
    const b = enc.encode(s);
    return bytes(u64(b.length), b);
  };
  const parts: Uint8Array[] = [bytes("GGUF", le32(3), u64(tensors.length), u64(Object.keys(meta).length))];
  for (const [k, v] of Object.entries(meta)) parts.push(str(k), bytes(le32(8)), str(v));
  for (const t of tensors)
    parts.push(
      str(t.name),
      bytes(le32(t.dims.length)),
      ...t.dims.map((d) => bytes(u64(d))),
      bytes(le32(0), u64(t.offset)),
    );
  const head = bytes(...parts);
  const pad = (32 - (head.length % 32)) % 32;
  return bytes(head, new Uint8Array(pad + dataLen));
}

/** Protobuf encoding helpers. */
export const PB = {
  varint(n: number): number[] {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return out;
  },
  int(field: number, n: number): Uint8Array {
    return bytes(PB.varint(field * 8), PB.varint(n));
  },
  msg(field: number, ...parts: Uint8Array[]): Uint8Array {
    const body = bytes(...parts);
    return bytes(PB.varint(field * 8 + 2), PB.varint(body.length), body);
  },
  str(field: number, s: string): Uint8Array {
    return PB.msg(field, enc.encode(s));
  },
};

/** 7z variable-length NUMBER (values below 2^14). */
function num7z(n: number): number[] {
  return n < 0x80 ? [n] : [0x80 | (n >> 8), n & 0xff];
}

/** A 7z archive holding one file in one folder of one coder (`id` hex, optional `props`). */
export function sevenZip(
  name: string,
  packed: Uint8Array,
  unpackSize: number,
  coder: { id: number[]; props?: number[] },
): Uint8Array {
  const nameBytes = Buffer.from(`${name}\0`, "utf16le");
  const props = coder.props ?? [];
  const header = bytes(
    [0x01, 0x04, 0x06, 0x00, 0x01, 0x09, ...num7z(packed.length), 0x00],
    [0x07, 0x0b, 0x01, 0x00, 0x01, coder.id.length | (props.length > 0 ? 0x20 : 0), ...coder.id],
    props.length > 0 ? [...num7z(props.length), ...props] : [],
    [0x0c, ...num7z(unpackSize), 0x00, 0x00],
    [0x05, 0x01, 0x11, ...num7z(nameBytes.length + 1), 0x00],
    nameBytes,
    [0x00, 0x00],
  );
  const u64 = (n: number) => [...le32(n), ...le32(0)];
  return bytes(
    [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0x00, 0x04],
    le32(0),
    u64(packed.length),
    u64(header.length),
    le32(0),
    packed,
    header,
  );
}

/**
 * `os.system("id")` as a protocol-4 pickle, compressed by Python's `lzma.compress(..., format=FORMAT_ALONE)`
 * (liblzma): 5 property bytes, 8 size bytes (unknown), raw LZMA data with an end marker.
 */
export const LZMA_ALONE_OS_SYSTEM = Uint8Array.from(
  Buffer.from("5d00008000ffffffffffffffff0040010d36fc072837634969fc098014f87d53c88a888882c26781ffffff5a920000", "hex"),
);

/** The same pickle compressed by Python's `lzma.compress(..., format=FORMAT_XZ)` (one LZMA2 block, CRC64 check). */
export const XZ_OS_SYSTEM = Uint8Array.from(
  Buffer.from(
    "fd377a585a000004e6d6b4460200210116000000742fe5a301001580048c026f738c0673797374656d938c02696485522e000000f8d99a914a47367f00012e16560955df1fb6f37d010000000004595a",
    "hex",
  ),
);
