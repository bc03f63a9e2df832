// `wayfront cache` never creates an empty database where none is: a data dir that does not
// exist (or holds no cache) is refused, and a relative data_dir is found next to its config.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../../src/cli/args.ts";
import { cacheCommand } from "../../../src/cli/cache.ts";
import { sqliteStore } from "../../../src/cache/sqlite.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-cache-dir-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const lines: string[] = [];
  const code = await cacheCommand(parseArgs(["cache", ...argv]), (l) => lines.push(l));
  return { code, text: lines.join("\n") };
}

test("a data dir that does not exist is refused, and stays absent", async () => {
  const missing = join(dir, "typo");
  for (const action of ["stats", "clear", "prune"]) {
    const r = await run(action, "--data-dir", missing);
    expect(r.code).toBe(1);
    expect(r.text).toContain(`the data dir ${missing} does not exist`);
    expect(r.text).toContain("--data-dir DIR or --config FILE");
  }
  expect(existsSync(missing)).toBe(false);
});

test("a data dir with no cache database in it is refused too, and no database is made", async () => {
  const empty = join(dir, "empty");
  mkdirSync(empty);
  const r = await run("stats", "--data-dir", empty);
  expect(r.code).toBe(1);
  expect(r.text).toContain("has no cache database");
  expect(existsSync(join(empty, "wayfront.sqlite"))).toBe(false);
});

test('data_dir = "data" in a config is read next to that file, from any working directory', async () => {
  const home = join(dir, "srv");
  mkdirSync(join(home, "data"), { recursive: true });
  const store = sqliteStore({ path: join(home, "data", "wayfront.sqlite"), ttlMs: 60_000, maxBytes: 1 << 20 });
  const final = { id: "x", object: "chat.completion", choices: [] };
  await store.put({ key: "k", api: "chat", namespace: "default", createdAt: Date.now(), stream: null, final });
  store.close();
  writeFileSync(join(home, "config.toml"), `[server]\ndata_dir = "data"\n[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:1/v1"\n`);
  // The test runs from the repository, not from `home`.
  expect(process.cwd()).not.toBe(home);
  const r = await run("stats", "--config", join(home, "config.toml"));
  expect(r.code).toBe(0);
  expect(r.text).toContain(`backend: sqlite (${join(home, "data")})`);
  expect(r.text).toContain("entries: 1");
});
