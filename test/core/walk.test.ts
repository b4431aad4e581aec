import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import fc from "fast-check";
import { isWardenError } from "../../src/core/errors.ts";
import { comparePaths, followFileLinks, walkFiles } from "../../src/core/walk.ts";

const root = mkdtempSync(join(tmpdir(), "warden-walk-"));
after(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(join(root, "a", "b"), { recursive: true });
writeFileSync(join(root, "a", "b", "x.bin"), "xyz");
writeFileSync(join(root, "a-b"), "1");
writeFileSync(join(root, "top"), "12");
symlinkSync(join(root, "top"), join(root, "link-to-file"));
symlinkSync(join(root, "a"), join(root, "link-to-dir"));

const names = (files: { name: string }[]) => files.map((f) => f.name).sort(comparePaths);

test("lists regular files by relative POSIX name and size; links follow the caller's policy", () => {
  const followed = walkFiles(root, { what: "test", symlink: followFileLinks, special: "refuse" });
  assert.deepEqual(names(followed), ["a/b/x.bin", "a-b", "link-to-file", "top"]);
  assert.equal(followed.find((f) => f.name === "a/b/x.bin")?.size, 3);
  const skipped = walkFiles(root, { what: "test", symlink: () => undefined, special: "refuse" });
  assert.deepEqual(names(skipped), ["a/b/x.bin", "a-b", "top"]);
  const ignored = walkFiles(root, {
    what: "test",
    symlink: () => undefined,
    special: "refuse",
    ignore: (n) => n === "a",
  });
  assert.deepEqual(names(ignored), ["a-b", "top"]);
});

test("depth and file-count limits are clear errors", () => {
  const opts = { what: "test", symlink: () => undefined, special: "refuse" as const };
  assert.throws(
    () => walkFiles(root, { ...opts, maxDepth: 1 }),
    (e) => isWardenError(e, "E_INPUT_TOO_LARGE"),
  );
  assert.throws(
    () => walkFiles(root, { ...opts, maxFiles: 2 }),
    (e) => isWardenError(e, "E_INPUT_TOO_LARGE"),
  );
});

test("comparePaths is a total order that sorts a folder's files before a sibling sharing its prefix", () => {
  assert.ok(comparePaths("a/b", "a-b") < 0);
  fc.assert(
    fc.property(fc.array(fc.stringMatching(/^[a-c/-]{1,6}$/), { maxLength: 12 }), (paths) => {
      const sorted = [...paths].sort(comparePaths);
      for (let i = 1; i < sorted.length; i++)
        assert.ok(comparePaths(sorted[i - 1] as string, sorted[i] as string) <= 0);
    }),
  );
});
