/**
 * Turns a pickle stream into findings: runs every stacked pickle through the symbolic machine, classifies each import
 * with the allow/deny policy, and reports structural tricks, truncation and trailing data. Legacy PyTorch files
 * (magic-number pickle, protocol, sys_info, data, storage keys, then raw storage bytes) stop after the fifth pickle.
 */
import { classifyGlobal } from "../policy.ts";
import type { Finding, ScanLimits } from "../types.ts";
import { type MachineState, newMachineState, type PickleRun, runPickle } from "./machine.ts";

/** The magic number PyTorch's legacy format writes as its first pickle. */
const LEGACY_TORCH_MAGIC = 0x1950a86a20f9469cfc6cn;

/** What scanning a pickle stream found. */
export interface PickleScan {
  /** True when the first pickle was complete or imported/called something before failing; false: not a pickle. */
  isPickle: boolean;
  findings: Finding[];
  pickles: number;
  legacyTorch: boolean;
  /** Why the first pickle failed, when it did. */
  firstError?: string;
  /** Where the parsed pickles end (start of trailing bytes). */
  end: number;
  /** The stream reached the end of `buf` while still reading (a longer prefix may change the result). */
  reachedEnd: boolean;
}

/** Formats a byte offset inside the scanned object as a finding location. */
export type Locate = (offset: number) => string;

/**
 * Scans `buf` as a stream of pickles, as loaders that call `load()` repeatedly read it. Bytes after the last complete
 * pickle that do not start another one are reported as trailing data (except after a legacy PyTorch header, where raw
 * storages follow by design).
 */
export function scanPickleStream(buf: Uint8Array, locate: Locate, limits: ScanLimits): PickleScan {
  const state = newMachineState(limits.maxPickleOps, limits.maxPickleStack);
  const runs: PickleRun[] = [];
  let pos = 0;
  let legacy = false;
  const findings: Finding[] = [];
  for (;;) {
    const run = runPickle(buf, pos, state);
    runs.push(run);
    if (!run.complete) break;
    pos = run.end;
    if (runs.length === 1 && run.value?.t === "int" && run.value.v === LEGACY_TORCH_MAGIC) legacy = true;
    if (legacy && runs.length === 5) break;
    if (pos >= buf.length) break;
    if (runs.length >= 10_000) {
      findings.push({
        rule: "invalid-limit",
        severity: "medium",
        message: "more than 10000 pickles stacked in one stream; the rest was not scanned",
        location: locate(pos),
      });
      break;
    }
  }
  const first = runs[0]!;
  const isPickle = first.complete || first.effects > 0;
  let end = pos;
  for (const [i, run] of runs.entries()) {
    if (run.complete || !run.error) continue;
    const limit = run.error.message.startsWith("limit:");
    if (limit) {
      findings.push({
        rule: "invalid-limit",
        severity: "medium",
        message: `${run.error.message.slice(7)}; the pickle was not fully scanned`,
        location: locate(run.error.offset),
      });
    } else if (i === 0 || run.effects > 0) {
      if (isPickle)
        findings.push({
          rule: "invalid-pickle",
          severity: "medium",
          message: `malformed pickle: ${run.error.message}${run.effects > 0 ? " (imports or calls before this point run when loaded)" : ""}`,
          location: locate(run.error.offset),
        });
    } else if (!legacy) {
      findings.push({
        rule: "pickle-trailing-data",
        severity: "low",
        message: `${buf.length - run.start} bytes after the last pickle do not form a pickle`,
        location: locate(run.start),
      });
    }
    end = run.start;
  }
  const complete = runs.filter((r) => r.complete).length;
  if (complete > 1 && !legacy) {
    findings.push({
      rule: "pickle-stacked",
      severity: "low",
      message: `${complete} pickles stacked in one stream; loaders that call load() repeatedly run every one`,
      location: locate(runs[1]!.start),
    });
  }
  findings.push(...globalFindings(state, locate), ...eventFindings(state, locate));
  const last = runs[runs.length - 1]!;
  const reachedEnd = last.complete
    ? !(legacy && runs.length === 5) && last.end >= buf.length
    : last.error?.message.startsWith("truncated") === true;
  const scan: PickleScan = { isPickle, findings, pickles: complete, legacyTorch: legacy, end, reachedEnd };
  if (!first.complete && first.error) scan.firstError = first.error.message;
  return scan;
}

function globalFindings(state: MachineState, locate: Locate): Finding[] {
  const seen = new Map<string, { called: boolean; offset: number; opcode: string; module: string; name: string }>();
  for (const g of state.globals) {
    const key = `${g.module}\0${g.name}`;
    const prev = seen.get(key);
    if (prev) prev.called ||= g.called;
    else seen.set(key, { called: g.called, offset: g.offset, opcode: g.opcode, module: g.module, name: g.name });
  }
  const out: Finding[] = [];
  for (const g of seen.values()) {
    const v = classifyGlobal(g.module, g.name);
    const how = `${g.opcode}${g.called ? ", then called" : ""}`;
    if (v.level === "denied") {
      out.push({
        rule: "pickle-dangerous-global",
        severity: "critical",
        message: `imports ${v.path} (${v.reason}) via ${how}`,
        location: locate(g.offset),
      });
    } else if (v.level === "unknown") {
      out.push({
        rule: "pickle-unknown-global",
        severity: "medium",
        message: `imports ${v.path} via ${how}; it is not on the allow-list of globals ML frameworks need`,
        location: locate(g.offset),
      });
    }
  }
  return out;
}

function eventFindings(state: MachineState, locate: Locate): Finding[] {
  return state.events.map((e) => ({
    rule: e.rule,
    severity: e.severity,
    message: e.message,
    location: locate(e.offset),
  }));
}
