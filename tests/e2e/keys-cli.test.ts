// `wayfront keys create | list | rotate | revoke`, run as a real process on a temp data dir.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/process.ts";
import { openDb } from "../../src/db/open.ts";
import { sqliteKeyStore } from "../../src/auth/key-store.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const bun = process.execPath;
const root = mkdtempSync(join(tmpdir(), "wayfront-keys-cli-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function dataDir(): string {
  return join(root, `data${++n}`);
}

const KEY = /wf-[0-9A-Za-z]{43}/g;

function keys(dir: string, env: Record<string, string> = {}) {
  return (...argv: string[]) => runCli([bun, MAIN, "keys", ...argv, "--data-dir", dir], { WAYFRONT_CONFIG: "", ...env });
}

/** Every byte the data dir holds (the database, and its WAL and shared-memory files if any). */
function allBytes(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString("latin1"))
    .join("\n");
}

async function verify(dir: string, token: string) {
  const db = openDb(join(dir, "wayfront.sqlite"));
  try {
    return await sqliteKeyStore(db).verify(token);
  } finally {
    db.close();
  }
}

test("create → list → rotate → revoke; the key is printed once and never stored", async () => {
  const dir = dataDir();
  const run = keys(dir);

  const c = await run(
    "create",
    "--name",
    "laptop",
    "--models",
    "gpt-5.2-codex,local/qwen",
    "--rpm",
    "60",
    "--tpm",
    "20000",
    "--daily-budget",
    "2.50",
    "--expires",
    "30d",
  );
  expect(c.stderr).toBe("");
  expect(c.code).toBe(0);
  const printed = c.stdout.match(KEY)!;
  expect(printed).toHaveLength(1); // once
  const key = printed[0];
  expect(c.stdout.split("\n")).toContain(key); // alone on its line, easy to copy
  expect(c.stdout).toContain("Authorization: Bearer <key>");
  expect(c.stdout).toContain("OPENAI_API_KEY=<key>");
  expect(c.stdout).toContain(`wf-${key.slice(3, 11)}…`);

  const second = await run("create", "--name=phone", "--shared", "--admin");
  expect(second.code).toBe(0);
  const phoneKey = second.stdout.match(KEY)![0];

  const l = await run("list");
  expect(l.code).toBe(0);
  const lines = l.stdout.split("\n");
  expect(lines[0]).toMatch(
    /^name\s+prefix\s+models\s+rpm\s+tpm\s+budget\/day\s+spend today\s+admin\s+shared\s+created\s+expires\s+last used\s+status$/,
  );
  const laptop = lines.find((x) => x.startsWith("laptop "))!;
  expect(laptop).toContain(`wf-${key.slice(3, 11)}…`);
  expect(laptop).toMatch(
    /gpt-5\.2-codex,local\/qwen\s+60\s+20000\s+\$2\.50\s+\$0\s+no\s+no\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+never\s+active$/,
  );
  expect(lines.find((x) => x.startsWith("phone "))).toMatch(/\ball\b.*\byes\s+yes\b.*never\s+never\s+active$/);
  expect(l.stdout).not.toMatch(KEY);
  expect(l.stdout).not.toContain(key.slice(11));

  // The SQLite file (and any WAL) never holds a key, nor its secret part.
  for (const k of [key, phoneKey]) {
    expect(allBytes(dir)).not.toContain(k);
    expect(allBytes(dir)).not.toContain(k.slice(11));
  }
  expect((await verify(dir, key))?.namespace).toBe("key:laptop");
  expect((await verify(dir, phoneKey))?.namespace).toBe("default");

  const r = await run("rotate", "laptop");
  expect(r.code).toBe(0);
  const rotated = r.stdout.match(KEY)!;
  expect(rotated).toHaveLength(1);
  const newKey = rotated[0];
  expect(newKey).not.toBe(key);
  expect(await verify(dir, key)).toBeNull();
  expect(await verify(dir, newKey)).toMatchObject({
    name: "laptop",
    models: ["gpt-5.2-codex", "local/qwen"],
    rpm: 60,
    tpm: 20000,
    dailyBudgetUsd: 2.5,
  });
  expect(allBytes(dir)).not.toContain(newKey.slice(11));
  expect((await run("list")).stdout).toContain(`wf-${newKey.slice(3, 11)}…`);

  const v = await run("revoke", "laptop");
  expect(v.code).toBe(0);
  expect(v.stdout).toContain('Revoked key "laptop"');
  expect(await verify(dir, newKey)).toBeNull();
  expect((await verify(dir, phoneKey))?.name).toBe("phone");
  expect((await run("list")).stdout.split("\n").find((x) => x.startsWith("laptop "))).toMatch(/revoked$/);

  // Revoked is final: the name is not reused and not rotated back.
  const again = await run("create", "--name", "laptop");
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('"laptop" already exists');
  expect(again.stdout).not.toMatch(KEY);
  expect((await run("rotate", "laptop")).code).toBe(1);
  expect(allBytes(dir)).not.toMatch(KEY);
});

test("an unknown NAME exits 1 naming it; a taken name exits 1", async () => {
  const run = keys(dataDir());
  for (const action of ["revoke", "rotate"]) {
    const r = await run(action, "ghost");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no key named "ghost"');
    expect(r.stdout).not.toMatch(KEY);
  }
  expect((await run("create", "--name", "dup")).code).toBe(0);
  const dup = await run("create", "--name", "dup");
  expect(dup.code).toBe(1);
  expect(dup.stderr).toContain('a key named "dup" already exists');
});

test("an empty list says how to create a key", async () => {
  const r = await keys(dataDir())("list");
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("wayfront keys create --name NAME");
});

test("usage errors exit 2 with a clear message", async () => {
  const run = keys(dataDir());
  const cases: [string[], string][] = [
    [[], "keys needs one of: create, list, revoke, rotate"],
    [["bogus"], "(got bogus)"],
    [["create"], "keys create needs --name NAME"],
    [["create", "laptop"], "--name NAME"],
    [["create", "--name"], "--name needs a value"],
    [["create", "--name", "bad name"], "the key name must be"],
    [["create", "--name", "x", "--rpm", "ten"], "--rpm must be a positive whole number (got ten)"],
    [["create", "--name", "x", "--tpm", "0"], "--tpm must be a positive whole number"],
    [["create", "--name", "x", "--daily-budget", "-1"], "--daily-budget must be a positive amount"],
    [["create", "--name", "x", "--expires", "soon"], "--expires must be a duration like 30d"],
    [["create", "--name", "x", "--models", ","], "--models needs one or more model names"],
    [["create", "--name", "x", "--admin=yes"], "--admin takes no value"],
    [["revoke"], "keys revoke needs exactly one key NAME"],
    [["rotate", "a", "b"], "keys rotate needs exactly one key NAME"],
    [["list", "extra"], "keys list takes no arguments"],
    [["list", "--shared"], "--shared is an option of `keys create`"],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("Usage:");
  }
  // Key options belong to `keys`, not to other commands.
  const serve = await runCli([bun, MAIN, "serve", "--admin"], { WAYFRONT_CONFIG: "" });
  expect(serve.code).toBe(2);
  expect(serve.stderr).toContain("--admin is an option of `wayfront keys create`");
  // Nothing was created by any of them.
  expect((await run("list")).stdout).toContain("No keys yet");
});

test("--config: config keys are listed by name (never by value) and their names are refused", async () => {
  const dir = dataDir();
  const file = join(root, "auth.toml");
  writeFileSync(
    file,
    `[server]\ndata_dir = "${dir.replaceAll("\\", "\\\\")}"\n\n[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:9/v1"\n\n[[auth.keys]]\nname = "ci"\nkey_env = "WF_TEST_CI_KEY"\n`,
  );
  const env = { WF_TEST_CI_KEY: "ci-secret-value-123" };
  const run = (...argv: string[]) => runCli([bun, MAIN, "keys", ...argv, "--config", file], env);
  const l = await run("list");
  expect(l.code).toBe(0);
  expect(l.stdout).toContain("from the config ([auth] keys): ci");
  expect(l.stdout).not.toContain("ci-secret-value-123");
  const c = await run("create", "--name", "ci");
  expect(c.code).toBe(1);
  expect(c.stderr).toContain("config");
  const r = await run("revoke", "ci");
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('no key named "ci"');
  expect(r.stderr).toContain("config key");
  expect(allBytes(dir)).not.toContain("ci-secret-value-123");
});
