// `wayfront cache stats | clear | prune` on the SQLite store in the data dir.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../src/cli/args.ts";
import { cacheCommand } from "../../src/cli/cache.ts";
import { sqliteStore } from "../../src/cache/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-cache-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await cacheCommand(parseArgs(["cache", ...argv, "--data-dir", dir]), (l) => lines.push(l));
  return { code, text: lines.join("\n") };
}

test("stats counts entries, clear empties the store, prune drops expired ones", async () => {
  const store = sqliteStore({ path: join(dir, "wayfront.sqlite"), ttlMs: 60_000, maxBytes: 1 << 20 });
  const final = { id: "x", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] };
  await store.put({ key: "k1", api: "chat", namespace: "default", createdAt: Date.now(), stream: null, final });
  // Expired long ago (older than the default TTL the CLI's config uses).
  await store.put({ key: "k2", api: "chat", namespace: "default", createdAt: 1, stream: null, final });
  store.close();

  const s = await run("stats");
  expect(s.code).toBe(0);
  expect(s.text).toContain("entries: 2");
  const p = await run("prune");
  expect(p.text).toContain("pruned 1 entry");
  expect((await run("stats")).text).toContain("entries: 1");
  expect((await run("clear")).code).toBe(0);
  expect((await run("stats")).text).toContain("entries: 0");
});

test("an unknown action is a usage error", async () => {
  await expect(run("bogus")).rejects.toThrow(/stats, clear, prune/);
});
