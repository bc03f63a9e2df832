// dist/SHA256SUMS, checked by the real sha256sum where the machine has it.
import { afterAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { releaseFiles, sha256Sums } from "../../../src/cli/release.ts";

const dir = mkdtempSync(join(tmpdir(), "wf-release-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files: Record<string, Uint8Array | string> = {
  "wayfront-linux-x64": "x64 binary",
  "wayfront-linux-arm64": new Uint8Array(300_000).map((_, i) => i % 251),
  "wayfront-windows-x64.exe": "",
  wayfront: "host build, not shipped",
};
for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);

test("one `<sha256 hex>  <name>` line per shipped binary, sorted by name", async () => {
  const names = releaseFiles(dir);
  expect(names.sort()).toEqual(["wayfront-linux-arm64", "wayfront-linux-x64", "wayfront-windows-x64.exe"]);
  const text = await sha256Sums(dir, names);
  const expected = names
    .sort()
    .map((n) => `${createHash("sha256").update(files[n]).digest("hex")}  ${n}\n`)
    .join("");
  expect(text).toBe(expected);
  expect(text).toContain("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  wayfront-windows-x64.exe\n");
});

const sha256sum = Bun.which("sha256sum");
test.skipIf(!sha256sum)("`sha256sum -c SHA256SUMS` accepts it, and catches a changed file", async () => {
  writeFileSync(join(dir, "SHA256SUMS"), await sha256Sums(dir, releaseFiles(dir)));
  expect(Bun.spawnSync([sha256sum!, "-c", "SHA256SUMS"], { cwd: dir }).exitCode).toBe(0);
  writeFileSync(join(dir, "wayfront-linux-x64"), "tampered");
  const r = Bun.spawnSync([sha256sum!, "-c", "SHA256SUMS"], { cwd: dir });
  expect(r.exitCode).toBe(1);
  expect(r.stdout.toString()).toContain("wayfront-linux-x64: FAILED");
});
