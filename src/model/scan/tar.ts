/**
 * A lenient POSIX/ustar tar reader (headers validated by checksum), enough for PyTorch's legacy tar checkpoints
 * (`sys_info`, `pickle`, `storages`, `tensors`) and tarred model folders. Members are exposed as slices of the file.
 */
import { type Source, sliceSource } from "./source.ts";

export interface TarMember {
  name: string;
  type: string;
  offset: number;
  size: number;
}

function octal(b: Uint8Array, start: number, len: number): number {
  let s = "";
  for (let i = start; i < start + len; i++) {
    const c = b[i]!;
    if (c === 0 || c === 0x20) {
      if (s.length > 0) break;
      continue;
    }
    s += String.fromCharCode(c);
  }
  if (b[start]! & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  return /^[0-7]+$/.test(s) ? Number.parseInt(s, 8) : Number.NaN;
}

/** True when a 512-byte block is a tar header with a valid checksum. */
export function isTarHeader(h: Uint8Array): boolean {
  if (h.length < 512 || h[0] === 0) return false;
  const want = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === want;
}

/** Lists the members of a tar source; stops at the end marker, a bad header, or `maxMembers`. */
export function listTar(src: Source, maxMembers: number): { members: TarMember[]; error?: string } {
  const members: TarMember[] = [];
  let p = 0;
  let longName: string | undefined;
  const dec = new TextDecoder();
  while (p + 512 <= src.size) {
    const h = src.read(p, 512);
    if (h.every((b) => b === 0)) return { members };
    if (!isTarHeader(h)) return { members, error: `bad tar header checksum at offset ${p}` };
    const size = octal(h, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) return { members, error: `bad member size at offset ${p}` };
    const type = String.fromCharCode(h[156] || 0x30);
    const prefix = h[257] === 0x75 ? dec.decode(h.subarray(345, 500)).replace(/\0.*$/s, "") : "";
    let name = dec.decode(h.subarray(0, 100)).replace(/\0.*$/s, "");
    if (prefix) name = `${prefix}/${name}`;
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    const data = p + 512;
    if (data + size > src.size) return { members, error: `member "${name}" runs past the end of the file` };
    if (type === "L") longName = dec.decode(src.read(data, Math.min(size, 4096))).replace(/\0.*$/s, "");
    else if (members.length >= maxMembers) return { members, error: `more than ${maxMembers} members` };
    else members.push({ name, type, offset: data, size });
    p = data + Math.ceil(size / 512) * 512;
  }
  return { members };
}

/** The bytes of one member. */
export function tarMemberSource(src: Source, m: TarMember): Source {
  return sliceSource(src, m.offset, m.size);
}
