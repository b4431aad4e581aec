/** The allow/deny policy for pickle globals: submodules share deny entries, allow entries are exact. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { classifyGlobal, scanBytes } from "../../../src/model/scan/index.ts";
import { bytes, safetensors } from "./build.ts";

test("a module and all its submodules share a deny entry", () => {
  for (const [m, n] of [
    ["os", "system"],
    ["posix", "system"],
    ["asyncio.unix_events", "_UnixSubprocessTransport._start"],
    ["torch.utils.bottleneck.__main__", "run_cprofile"],
    ["idlelib.pyshell", "ModifiedInterpreter.runcode"],
    ["pip._internal.cli.main", "main"],
    ["__builtin__", "eval"],
    ["httplib", "HTTPSConnection"],
    ["_operator", "attrgetter"],
  ]) {
    assert.equal(classifyGlobal(m!, n!).level, "denied", `${m}.${n}`);
  }
});

test("dotted names reaching a denied object through an allowed or unknown module are denied", () => {
  assert.equal(classifyGlobal("posixpath", "os.system").level, "denied");
  assert.equal(classifyGlobal("collections", "OrderedDict.__init__.__globals__").level, "denied");
  assert.equal(classifyGlobal("datetime", "datetime.__class__").level, "denied");
  assert.equal(classifyGlobal("torch", "serialization.load").level, "denied");
});

test("allow entries are exact; lookalikes are only unknown", () => {
  assert.equal(classifyGlobal("torch._utils", "_rebuild_tensor_v2").level, "allowed");
  assert.equal(classifyGlobal("collections", "OrderedDict").level, "allowed");
  assert.equal(classifyGlobal("copy_reg", "_reconstructor").level, "allowed");
  assert.equal(classifyGlobal("numpy.core.multiarray", "_reconstruct").level, "allowed");
  assert.equal(classifyGlobal("torch._utils", "_rebuild_tensor_v2x").level, "unknown");
  assert.equal(classifyGlobal("collections", "OrderedDict.fromkeys").level, "unknown");
  assert.equal(classifyGlobal("scipy.signal", "windows").level, "unknown");
  assert.equal(classifyGlobal("numpy.random._pickle", "__randomstate_ctor").level, "unknown");
});

test("a stray end-of-central-directory signature inside tensor data does not make a file a zip", () => {
  const st = safetensors({ a: { dtype: "U8", shape: [64], data_offsets: [0, 64] } }, 64);
  st.set(bytes("PK", 5, 6, new Uint8Array(18)), st.length - 30);
  const r = scanBytes(st, "m.safetensors");
  assert.equal(r.format, "safetensors");
  assert.equal(r.verdict, "safe", JSON.stringify(r.findings));
});
