// A data file SQLite cannot read, as an SD card can leave it after a power loss. At start-up
// the gateway refuses with the file's path and what to do (never deleting it: it holds the
// client keys); met while serving, local requests are still served, the cloud is refused
// while its budget cannot be read, the status page and /metrics still answer, and the log
// says it once. The file is damaged for real: the root pages of its tables overwritten.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestGateway, upstreamToml } from "../helpers/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";

let local: MockUpstream;
const dirs: string[] = [];
beforeAll(async () => {
  local = await startMockUpstream({ models: ["m"] });
});
afterAll(async () => {
  await local.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const dataDir = () => {
  const d = mkdtempSync(join(tmpdir(), "wf-damaged-"));
  dirs.push(d);
  return d;
};

const TOML = (url: string) => `${upstreamToml("local", url)}\n[budget]\ncloud_daily_usd = 5\n[log]\nformat = "json"\n`;

/** Overwrites the root page of each named table and of its indexes with a fixed pattern: every read of them is "malformed". */
function damageTables(path: string, tables: string[]): void {
  const db = new Database(path);
  const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  const roots = tables.flatMap((t) =>
    (db.query("SELECT rootpage FROM sqlite_schema WHERE tbl_name = ? AND rootpage > 0").all(t) as { rootpage: number }[]).map((r) => r.rootpage),
  );
  db.close();
  const fd = openSync(path, "r+");
  for (const page of roots) writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, (page - 1) * pageSize);
  closeSync(fd);
}

async function chat(v1: string, content: string, key?: string) {
  const res = await fetch(`${v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ model: "m", temperature: 0, messages: [{ role: "user", content }] }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

test("a file that is not a database stops start-up, naming it and what to do, and is left in place", async () => {
  const dir = dataDir();
  const file = join(dir, "wayfront.sqlite");
  const garbage = Buffer.alloc(64 * 1024, 0x5a);
  writeFileSync(file, garbage);
  const run = Bun.spawnSync([process.execPath, join(import.meta.dir, "../../src/main.ts"), "serve", "--data-dir", dir, "--port", "0"], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1" },
    timeout: 15_000,
  });
  const err = run.stderr.toString();
  expect(run.exitCode).not.toBe(0);
  expect(err).toContain(`the data file ${file} is damaged (file is not a database)`);
  expect(err).toContain("client keys");
  expect(err).toContain(`mv "${file}" "${file}.damaged"`);
  expect(err).not.toContain("    at "); // no stack
  expect(readFileSync(file).equals(garbage)).toBe(true);
});

test("damage met while serving: local answers still served, status and metrics answer, told once", async () => {
  const dir = dataDir();
  let gw = await startTestGateway(TOML(local.url), { dataDir: dir });
  expect((await chat(gw.v1, "before")).status).toBe(200);
  await gw.stop();
  damageTables(join(dir, "wayfront.sqlite"), ["cloud_spend", "cache_entries"]);

  gw = await startTestGateway(TOML(local.url), { dataDir: dir });
  try {
    for (const q of ["one", "two", "before"]) {
      const r = await chat(gw.v1, q);
      expect(r.status).toBe(200);
      expect(r.body.choices[0].message.content.length).toBeGreaterThan(0);
    }
    const status = await fetch(`${gw.url}/status.json`);
    expect(status.status).toBe(200);
    const json = (await status.json()) as any;
    expect(json.totals.cloud_spend_today_usd).toBeNull();
    expect(json.cache).toBeNull();
    expect(json.events.some((e: { type: string }) => e.type === "data_file_damaged")).toBe(true);
    expect((await fetch(`${gw.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${gw.url}/status`)).status).toBe(200);
    const damaged = gw.logs.filter((l) => l.includes('"event":"data_file_damaged"'));
    expect(damaged).toHaveLength(1);
    expect(damaged[0]).toContain(join(dir, "wayfront.sqlite"));
    expect(damaged[0]).toContain("database disk image is malformed");
    expect(gw.logs.some((l) => l.includes('"msg":"unhandled error"'))).toBe(false);
  } finally {
    await gw.stop();
  }
});

test("a damaged key table refuses every key-checked request with a 503 that says why, never lets one through", async () => {
  const dir = dataDir();
  let gw = await startTestGateway(TOML(local.url), { dataDir: dir });
  await gw.stop();
  // A key exists, so every request needs one (auth "auto" once keys exist).
  const db = new Database(join(dir, "wayfront.sqlite"));
  db.run("INSERT INTO client_keys (name, prefix, hash, created_at) VALUES ('laptop', 'wf-abc', 'x', 1)");
  db.close();
  damageTables(join(dir, "wayfront.sqlite"), ["client_keys"]);
  gw = await startTestGateway(TOML(local.url), { dataDir: dir });
  try {
    const r = await chat(gw.v1, "hello", "wf-abcdefghijklmnopqrstuvwxyz0123456789");
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("data_file_damaged");
    expect(local.requests.some((q) => q.body?.messages?.[0]?.content === "hello")).toBe(false);
  } finally {
    await gw.stop();
  }
});
