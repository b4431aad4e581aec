/**
 * A symbolic pickle virtual machine: it disassembles a pickle stream (protocols 0-5, PEP 307/3154/574 opcodes) and
 * runs the stack and memo as CPython's `Unpickler` would, without importing or calling anything. It records what every
 * GLOBAL / STACK_GLOBAL / INST imports (names built through the memo included) and what REDUCE / NEWOBJ / OBJ / INST /
 * BUILD call or mutate. Bounded: opcode count, stack and memo sizes are limited; containers keep only a prefix.
 */
import type { Severity } from "../types.ts";
import { decodeUtf8, latin1, parseIntLine, quotedString, rawUnicodeEscape } from "./text.ts";
import { describe, dictGet, type GlobalRef, MAX_STRING, NONE, type PVal, pushItem, setEntry } from "./values.ts";

/** A structural observation made while running (module attribute override, indirect call, ...). */
export interface PickleEvent {
  rule: string;
  severity: Severity;
  message: string;
  offset: number;
}

/** One pickle (from its first opcode to STOP, or to the error that ended it). */
export interface PickleRun {
  start: number;
  end: number;
  complete: boolean;
  error?: { offset: number; message: string };
  /** Imports, calls and mutations of imported objects performed before the end. */
  effects: number;
  value?: PVal;
  protocol: number;
}

/** State shared by the pickles of one stream (imports, events, and module attributes rebound by BUILD). */
export interface MachineState {
  globals: GlobalRef[];
  events: PickleEvent[];
  overrides: Map<string, PVal>;
  maxOps: number;
  maxStack: number;
  ops: number;
}

export function newMachineState(maxOps: number, maxStack: number): MachineState {
  return { globals: [], events: [], overrides: new Map(), maxOps, maxStack, ops: 0 };
}

class Stop extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** The decimal-or-hex opcode name table used in messages. */
const NAMES: Record<number, string> = {
  40: "MARK",
  46: "STOP",
  48: "POP",
  49: "POP_MARK",
  50: "DUP",
  70: "FLOAT",
  73: "INT",
  74: "BININT",
  75: "BININT1",
  76: "LONG",
  77: "BININT2",
  78: "NONE",
  80: "PERSID",
  81: "BINPERSID",
  82: "REDUCE",
  83: "STRING",
  84: "BINSTRING",
  85: "SHORT_BINSTRING",
  86: "UNICODE",
  88: "BINUNICODE",
  97: "APPEND",
  98: "BUILD",
  99: "GLOBAL",
  100: "DICT",
  125: "EMPTY_DICT",
  101: "APPENDS",
  103: "GET",
  104: "BINGET",
  105: "INST",
  106: "LONG_BINGET",
  108: "LIST",
  93: "EMPTY_LIST",
  111: "OBJ",
  112: "PUT",
  113: "BINPUT",
  114: "LONG_BINPUT",
  115: "SETITEM",
  116: "TUPLE",
  41: "EMPTY_TUPLE",
  117: "SETITEMS",
  71: "BINFLOAT",
  128: "PROTO",
  129: "NEWOBJ",
  130: "EXT1",
  131: "EXT2",
  132: "EXT4",
  133: "TUPLE1",
  134: "TUPLE2",
  135: "TUPLE3",
  136: "NEWTRUE",
  137: "NEWFALSE",
  138: "LONG1",
  139: "LONG4",
  66: "BINBYTES",
  67: "SHORT_BINBYTES",
  140: "SHORT_BINUNICODE",
  141: "BINUNICODE8",
  142: "BINBYTES8",
  143: "EMPTY_SET",
  144: "ADDITEMS",
  145: "FROZENSET",
  146: "NEWOBJ_EX",
  147: "STACK_GLOBAL",
  148: "MEMOIZE",
  149: "FRAME",
  150: "BYTEARRAY8",
  151: "NEXT_BUFFER",
  152: "READONLY_BUFFER",
};

/** Name of an opcode byte, for messages. */
export function opcodeName(op: number): string {
  return NAMES[op] ?? `0x${op.toString(16).padStart(2, "0")}`;
}

function str(v: string): PVal {
  return v.length > MAX_STRING
    ? { t: "str", v: v.slice(0, MAX_STRING), truncated: true }
    : { t: "str", v, truncated: false };
}

/** Dotted path of an imported object, for attribute overrides. */
function pathOf(v: PVal): string | undefined {
  return v.t === "global" ? `${v.ref.module}.${v.ref.name}` : undefined;
}

/**
 * Runs one pickle starting at `start` in `buf`. Never throws for bad input: errors end the run and are reported in
 * `error`. Imports and events are appended to `state`.
 */
export function runPickle(buf: Uint8Array, start: number, state: MachineState): PickleRun {
  let pos = start;
  let stack: PVal[] = [];
  const metastack: PVal[][] = [];
  const memo = new Map<number, PVal>();
  let effects = 0;
  let protocol = 0;
  let depthItems = 0;

  const need = (n: number, at: number): void => {
    if (n < 0 || pos + n > buf.length) throw new Stop(`truncated: ${opcodeName(buf[at]!)} needs ${n} more bytes`, at);
  };
  const readLine = (at: number): Uint8Array => {
    const nl = buf.indexOf(0x0a, pos);
    if (nl < 0) throw new Stop(`truncated: ${opcodeName(buf[at]!)} argument has no terminating newline`, at);
    const line = buf.subarray(pos, nl);
    pos = nl + 1;
    return line;
  };
  const u32 = (): number => {
    const v = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    pos += 4;
    return v;
  };
  const u64 = (at: number): number => {
    const lo = u32();
    const hi = u32();
    const v = hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(v)) throw new Stop("length does not fit in memory", at);
    return v;
  };
  /** Reads a little-endian length argument of `width` bytes; `signed` 4-byte lengths must not be negative. */
  const lengthArg = (width: 1 | 4 | 8, at: number, signed = false): number => {
    need(width, at);
    if (width === 1) return buf[pos++]!;
    if (width === 8) return u64(at);
    const n = signed ? u32() | 0 : u32();
    if (n < 0) throw new Stop(`${opcodeName(buf[at]!)} with a negative length`, at);
    return n;
  };
  const pop = (at: number): PVal => {
    const v = stack.pop();
    if (v === undefined) throw new Stop(`stack underflow at ${opcodeName(buf[at]!)}`, at);
    return v;
  };
  const top = (at: number): PVal => {
    const v = stack[stack.length - 1];
    if (v === undefined) throw new Stop(`stack underflow at ${opcodeName(buf[at]!)}`, at);
    return v;
  };
  const push = (v: PVal, at: number): void => {
    if (stack.length + depthItems >= state.maxStack) throw new Stop("limit: pickle stack too deep", at);
    stack.push(v);
  };
  const popMark = (at: number): PVal[] => {
    const items = stack;
    const prev = metastack.pop();
    if (prev === undefined) throw new Stop(`${opcodeName(buf[at]!)} without a MARK`, at);
    depthItems -= prev.length;
    stack = prev;
    return items;
  };
  const memoPut = (key: number, at: number): void => {
    if (memo.size >= state.maxStack && !memo.has(key)) throw new Stop("limit: pickle memo too large", at);
    memo.set(key, top(at));
  };
  const memoGet = (key: number, at: number): void => {
    const v = memo.get(key);
    if (v === undefined) throw new Stop(`memo key ${key} was never stored (${opcodeName(buf[at]!)})`, at);
    push(v, at);
  };
  const event = (rule: string, severity: Severity, message: string, offset: number): void => {
    if (state.events.length < 1000) state.events.push({ rule, severity, message, offset });
  };
  const importGlobal = (module: string, name: string, at: number, opcode: string): PVal => {
    effects++;
    const ref: GlobalRef = { module, name, offset: at, opcode, called: false };
    if (state.globals.length < 100_000) state.globals.push(ref);
    const full = `${module}.${name}`;
    const cut = full.lastIndexOf(".");
    const override = state.overrides.get(`${full.slice(0, cut)}\0${full.slice(cut + 1)}`);
    return override ?? { t: "global", ref };
  };
  const call = (fn: PVal, args: PVal, at: number, opcode: string): PVal => {
    effects++;
    if (fn.t === "global") fn.ref.called = true;
    else
      event(
        "pickle-indirect-call",
        "high",
        `${opcode} calls ${describe(fn)}, an object that is not a plain import (gadget chain)`,
        at,
      );
    return { t: "call", fn, args, offset: at };
  };
  const build = (obj: PVal, stateVal: PVal, at: number): void => {
    const target = pathOf(obj);
    if (target === undefined) return;
    effects++;
    event(
      "pickle-attribute-override",
      "high",
      `BUILD rebinds attributes of the imported object ${target} (module or class state is changed at load time)`,
      at,
    );
    const dicts = stateVal.t === "tuple" ? stateVal.items : [stateVal];
    for (const d of dicts) {
      if (d.t !== "dict") continue;
      for (const [k, v] of d.entries) if (k.t === "str") state.overrides.set(`${target}\0${k.v}`, v);
    }
  };

  try {
    for (;;) {
      if (++state.ops > state.maxOps) throw new Stop("limit: too many pickle opcodes", pos);
      if (pos >= buf.length) throw new Stop("truncated: stream ends before STOP", pos);
      const at = pos;
      const op = buf[pos++]!;
      switch (op) {
        case 0x80: {
          need(1, at);
          protocol = buf[pos++]!;
          if (protocol > 5) throw new Stop(`unsupported pickle protocol ${protocol}`, at);
          break;
        }
        case 0x95:
          need(8, at);
          u64(at);
          break;
        case 0x2e: {
          const value = pop(at);
          return { start, end: pos, complete: true, effects, value, protocol };
        }
        case 0x28:
          if (metastack.length >= 10_000) throw new Stop("limit: MARK nesting too deep", at);
          metastack.push(stack);
          depthItems += stack.length;
          stack = [];
          break;
        case 0x30:
          if (stack.length > 0) stack.pop();
          else popMark(at);
          break;
        case 0x31:
          popMark(at);
          break;
        case 0x32:
          push(top(at), at);
          break;
        case 0x4e:
          push(NONE, at);
          break;
        case 0x88:
        case 0x89:
          push({ t: "bool", v: op === 0x88 }, at);
          break;
        case 0x49: {
          const line = latin1(readLine(at));
          if (line === "00" || line === "01") push({ t: "bool", v: line === "01" }, at);
          else {
            const v = parseIntLine(line, false);
            if (v === undefined) throw new Stop("INT argument is not an integer", at);
            push({ t: "int", v }, at);
          }
          break;
        }
        case 0x4c: {
          const v = parseIntLine(latin1(readLine(at)), true);
          if (v === undefined) throw new Stop("LONG argument is not an integer", at);
          push({ t: "int", v }, at);
          break;
        }
        case 0x46: {
          const line = latin1(readLine(at)).trim();
          if (!/^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|nan|infinity)$/i.test(line))
            throw new Stop("FLOAT argument is not a number", at);
          push({ t: "float" }, at);
          break;
        }
        case 0x47:
          need(8, at);
          pos += 8;
          push({ t: "float" }, at);
          break;
        case 0x4a: {
          need(4, at);
          push({ t: "int", v: BigInt(u32() | 0) }, at);
          break;
        }
        case 0x4b:
          need(1, at);
          push({ t: "int", v: BigInt(buf[pos++]!) }, at);
          break;
        case 0x4d:
          need(2, at);
          push({ t: "int", v: BigInt(buf[pos]! | (buf[pos + 1]! << 8)) }, at);
          pos += 2;
          break;
        case 0x8a:
        case 0x8b: {
          const n = lengthArg(op === 0x8a ? 1 : 4, at, true);
          need(n, at);
          let v = 0n;
          if (n <= 64) {
            for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(buf[pos + i]!);
            if (n > 0 && buf[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
          }
          pos += n;
          push({ t: "int", v }, at);
          break;
        }
        case 0x53: {
          const s = quotedString(readLine(at));
          if (s === undefined) throw new Stop("the STRING opcode argument must be quoted", at);
          push(str(s), at);
          break;
        }
        case 0x54:
        case 0x55: {
          const n = lengthArg(op === 0x55 ? 1 : 4, at, true);
          need(n, at);
          push(str(latin1(buf.subarray(pos, pos + Math.min(n, MAX_STRING)))), at);
          pos += n;
          break;
        }
        case 0x56: {
          const s = rawUnicodeEscape(readLine(at));
          if (s === undefined) throw new Stop("UNICODE argument is not valid raw-unicode-escape", at);
          push(str(s), at);
          break;
        }
        case 0x58:
        case 0x8c:
        case 0x8d: {
          const n = lengthArg(op === 0x8c ? 1 : op === 0x58 ? 4 : 8, at);
          need(n, at);
          const bytes = buf.subarray(pos, pos + n);
          pos += n;
          const s = n > MAX_STRING ? decodeUtf8(bytes.subarray(0, MAX_STRING)) : decodeUtf8(bytes);
          if (s === undefined && n <= MAX_STRING) throw new Stop(`${opcodeName(op)} argument is not valid UTF-8`, at);
          push(n > MAX_STRING ? { t: "str", v: s ?? "", truncated: true } : str(s ?? ""), at);
          break;
        }
        case 0x42:
        case 0x43:
        case 0x8e:
        case 0x96: {
          const n = lengthArg(op === 0x43 ? 1 : op === 0x42 ? 4 : 8, at);
          need(n, at);
          push({ t: "bytes", v: buf.subarray(pos, pos + n) }, at);
          pos += n;
          break;
        }
        case 0x97:
        case 0x98:
          if (op === 0x97) push({ t: "buffer" }, at);
          else top(at);
          break;
        case 0x29:
          push({ t: "tuple", items: [], n: 0 }, at);
          break;
        case 0x5d:
          push({ t: "list", items: [], n: 0 }, at);
          break;
        case 0x7d:
          push({ t: "dict", entries: [], n: 0 }, at);
          break;
        case 0x8f:
          push({ t: "set", items: [], n: 0 }, at);
          break;
        case 0x85:
        case 0x86:
        case 0x87: {
          const k = op - 0x84;
          const items: PVal[] = [];
          for (let i = 0; i < k; i++) items.unshift(pop(at));
          push({ t: "tuple", items, n: k }, at);
          break;
        }
        case 0x74:
        case 0x6c:
        case 0x91: {
          const items = popMark(at);
          const t = op === 0x74 ? "tuple" : op === 0x6c ? "list" : "set";
          const c: PVal = { t, items: [], n: 0 };
          for (const it of items) pushItem(c, it);
          push(c, at);
          break;
        }
        case 0x64: {
          const items = popMark(at);
          const d: PVal = { t: "dict", entries: [], n: 0 };
          for (let i = 0; i + 1 < items.length; i += 2) setEntry(d, items[i]!, items[i + 1]!);
          push(d, at);
          break;
        }
        case 0x61: {
          const v = pop(at);
          const l = top(at);
          if (l.t === "list" || l.t === "set") pushItem(l, v);
          break;
        }
        case 0x65:
        case 0x90: {
          const items = popMark(at);
          const l = top(at);
          if (l.t === "list" || l.t === "set") for (const it of items) pushItem(l, it);
          break;
        }
        case 0x73: {
          const v = pop(at);
          const k = pop(at);
          const d = top(at);
          if (d.t === "dict") setEntry(d, k, v);
          break;
        }
        case 0x75: {
          const items = popMark(at);
          const d = top(at);
          if (d.t === "dict") for (let i = 0; i + 1 < items.length; i += 2) setEntry(d, items[i]!, items[i + 1]!);
          break;
        }
        case 0x67: {
          const v = parseIntLine(latin1(readLine(at)), false);
          if (v === undefined) throw new Stop("GET argument is not an integer", at);
          memoGet(Number(v), at);
          break;
        }
        case 0x68:
          need(1, at);
          memoGet(buf[pos++]!, at);
          break;
        case 0x6a:
          need(4, at);
          memoGet(u32(), at);
          break;
        case 0x70: {
          const v = parseIntLine(latin1(readLine(at)), false);
          if (v === undefined || v < 0n) throw new Stop("PUT argument is not a non-negative integer", at);
          memoPut(Number(v), at);
          break;
        }
        case 0x71:
          need(1, at);
          memoPut(buf[pos++]!, at);
          break;
        case 0x72: {
          need(4, at);
          const k = u32() | 0;
          if (k < 0) throw new Stop("LONG_BINPUT with a negative index", at);
          memoPut(k, at);
          break;
        }
        case 0x94:
          memoPut(memo.size, at);
          break;
        case 0x63:
        case 0x69: {
          const module = decodeUtf8(readLine(at));
          const name = module === undefined ? undefined : decodeUtf8(readLine(at));
          if (module === undefined || name === undefined)
            throw new Stop(`${opcodeName(op)} module or name is not valid UTF-8`, at);
          const g = importGlobal(module, name, at, opcodeName(op));
          if (op === 0x63) push(g, at);
          else {
            const args = popMark(at);
            push(call(g, { t: "tuple", items: args.slice(0, 256), n: args.length }, at, "INST"), at);
          }
          break;
        }
        case 0x93: {
          const name = pop(at);
          const module = pop(at);
          if (module.t === "str" && name.t === "str" && !module.truncated && !name.truncated) {
            push(importGlobal(module.v, name.v, at, "STACK_GLOBAL"), at);
          } else {
            effects++;
            const known = module.t === "str" || module.t === "int" || name.t === "str" || name.t === "int";
            event(
              known ? "pickle-invalid-global" : "pickle-unresolved-global",
              "high",
              `STACK_GLOBAL with module ${describe(module)} and name ${describe(name)}: the import cannot be resolved statically`,
              at,
            );
            if (known) throw new Stop("STACK_GLOBAL operands are not strings (CPython raises here)", at);
            push({ t: "call", fn: module, args: name, offset: at }, at);
          }
          break;
        }
        case 0x52: {
          const args = pop(at);
          const fn = pop(at);
          push(call(fn, args, at, "REDUCE"), at);
          break;
        }
        case 0x81: {
          const args = pop(at);
          const cls = pop(at);
          push(call(cls, args, at, "NEWOBJ"), at);
          break;
        }
        case 0x92: {
          pop(at);
          const args = pop(at);
          const cls = pop(at);
          push(call(cls, args, at, "NEWOBJ_EX"), at);
          break;
        }
        case 0x6f: {
          const items = popMark(at);
          const cls = items[0];
          if (cls === undefined) throw new Stop("OBJ without a class", at);
          const rest = items.slice(1);
          push(call(cls, { t: "tuple", items: rest.slice(0, 256), n: rest.length }, at, "OBJ"), at);
          break;
        }
        case 0x62: {
          const st = pop(at);
          const obj = top(at);
          build(obj, st, at);
          const skip = joblibArraySkip(obj, st, buf, pos, state);
          if (skip !== undefined) {
            if (typeof skip === "string") throw new Stop(skip, at);
            pos = skip;
          }
          break;
        }
        case 0x50: {
          const id = decodeUtf8(readLine(at));
          if (id === undefined) throw new Stop("PERSID argument is not valid text", at);
          push({ t: "persid", id: str(id) }, at);
          break;
        }
        case 0x51:
          push({ t: "persid", id: pop(at) }, at);
          break;
        case 0x82:
        case 0x83:
        case 0x84: {
          const n = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
          need(n, at);
          let code = 0;
          for (let i = n - 1; i >= 0; i--) code = code * 256 + buf[pos + i]!;
          pos += n;
          effects++;
          event(
            "pickle-extension-code",
            "medium",
            `${opcodeName(op)} imports extension-registry code ${code}; the target depends on the loading process`,
            at,
          );
          push({ t: "ext", code }, at);
          break;
        }
        default:
          throw new Stop(`invalid opcode ${opcodeName(op)}`, at);
      }
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return {
      start,
      end: e.offset,
      complete: false,
      error: { offset: e.offset, message: e.message },
      effects,
      protocol,
    };
  }
}

/** Item size in bytes of a NumPy dtype string such as `<f8`, `|b1`, `<U5`, or undefined. */
export function dtypeItemSize(descr: string): number | undefined {
  const m = /^[<>|=]?([a-zA-Z])(\d*)/.exec(descr);
  if (!m) return undefined;
  const kind = m[1]!;
  const n = m[2] ? Number(m[2]) : undefined;
  if (kind === "U") return n === undefined ? undefined : 4 * n;
  if (kind === "?") return 1;
  if ("biufcSVMmO".includes(kind)) return n;
  return undefined;
}

/**
 * joblib writes each NumPy array's bytes right after the BUILD of its `NumpyArrayWrapper` (object arrays as a nested
 * pickle). Returns where the opcodes continue, an error message, or undefined when `obj` is no such wrapper.
 */
function joblibArraySkip(
  obj: PVal,
  st: PVal,
  buf: Uint8Array,
  pos: number,
  state: MachineState,
): number | string | undefined {
  if (obj.t !== "call" || obj.fn.t !== "global" || !obj.fn.ref.name.endsWith("NumpyArrayWrapper")) return undefined;
  const shape = dictGet(st, "shape");
  const dtype = dictGet(st, "dtype");
  if (shape?.t !== "tuple" || dtype?.t !== "call" || dtype.args.t !== "tuple")
    return "joblib array wrapper without a readable shape and dtype";
  const descr = dtype.args.items[0];
  if (descr?.t !== "str") return "joblib array wrapper with an unreadable dtype";
  if (descr.v.replace(/^[<>|=]/, "").startsWith("O")) {
    const nested = runPickle(buf, pos, state);
    return nested.complete ? nested.end : `nested object-array pickle: ${nested.error?.message ?? "incomplete"}`;
  }
  const item = dtypeItemSize(descr.v);
  if (item === undefined) return `joblib array with unsupported dtype ${descr.v}`;
  let count = 1;
  for (const d of shape.items) {
    if (d.t !== "int" || d.v < 0n) return "joblib array with a non-integer shape";
    count *= Number(d.v);
  }
  let p = pos;
  const align = dictGet(st, "numpy_array_alignment_bytes");
  if (align !== undefined && align.t !== "none") {
    if (p >= buf.length) return "truncated joblib array padding";
    p += 1 + buf[p]!;
  }
  const end = p + count * item;
  if (!Number.isSafeInteger(end) || end > buf.length) return "truncated: joblib array data runs past the end";
  return end;
}
