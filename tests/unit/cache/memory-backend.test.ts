// [cache] backend = "memory": the SQLite store on an in-memory database, so a Pi's SD card
// never sees the cache's writes, with the same semantics as the file-backed store.
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { openCacheStore } from "../../../src/cache/open-store.ts";
import { cacheCommand } from "../../../src/cli/cache.ts";

const entry = { key: "k", namespace: "ns", api: "chat", createdAt: Date.now(), stream: null, final: { id: "x" } } as const;

test("backend = memory stores and serves entries without creating a file in the data dir", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wf-mem-"));
  try {
    const config = resolveConfig(parseConfigText(`[cache]\nbackend = "memory"\nmode = "always"\n`, "t.toml"), "t.toml", {}, { dataDir });
    expect(config.cache.backend).toBe("memory");
    const store = openCacheStore(config);
    await store.put({ ...entry });
    expect((await store.get("k", "ns"))?.final).toEqual({ id: "x" });
    expect((await store.stats()).entries).toBe(1); // stats() writes the queue first
    store.close();
    expect(readdirSync(dataDir)).toEqual([]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test("`wayfront cache stats` with the memory backend says where the cache is instead of opening a file", async () => {
  const dataDir = join(tmpdir(), `wf-mem-cli-${process.pid}`);
  const file = join(tmpdir(), `wf-mem-${process.pid}.toml`);
  await Bun.write(file, `[cache]\nbackend = "memory"\n`);
  const lines: string[] = [];
  const code = await cacheCommand({ command: "cache", rest: ["stats"], config: file, dataDir, demo: false, help: false, version: false }, (l) =>
    lines.push(l),
  );
  rmSync(file, { force: true });
  expect(code).toBe(1);
  expect(lines.join("\n")).toContain('lives in the memory of the running gateway (cache.backend = "memory")');
  expect(existsSync(dataDir)).toBe(false);
});
