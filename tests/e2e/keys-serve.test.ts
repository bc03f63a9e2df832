// Keys made with the real CLI, used against the real server: once one exists every API
// request needs one, from this machine too; and Wayfront refuses to become an open relay.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, spawnGateway } from "../helpers/process.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";

const bun = process.execPath;
const MAIN = join(import.meta.dir, "../../src/main.ts");
let dir: string;
let mock: MockUpstream;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wf-keys-serve-"));
  mock = await startMockUpstream({ models: ["m"] });
  file = join(dir, "wayfront.toml");
  writeFileSync(file, `[[upstream]]\nname = "cloud"\nbase_url = "${mock.url}"\ntier = "cloud"\nmodels = ["m"]\n`);
});
afterAll(async () => {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "cloud/m", messages: [{ role: "user", content: "hi" }] }),
  });

test("bound beyond loopback with a cloud upstream and no keys, serve refuses to start and says what to do", async () => {
  const r = await runCli([bun, MAIN, "serve", "--config", file, "--host", "0.0.0.0", "--port", "0", "--data-dir", join(dir, "open")]);
  expect(r.code).not.toBe(0);
  expect(r.stderr + r.stdout).toContain("wayfront keys create");
  expect(r.stderr + r.stdout).toContain("--allow-open");
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /); // no stack
});

test("--allow-open starts anyway, and says so in the log", async () => {
  const gw = await spawnGateway([
    bun,
    MAIN,
    "serve",
    "--config",
    file,
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--data-dir",
    join(dir, "open2"),
    "--allow-open",
  ]);
  try {
    expect(gw.lines.join("\n")).toContain("--allow-open");
  } finally {
    await gw.stop();
  }
});

test("a key made with `wayfront keys create` is required, and accepted, by the server on the same data dir", async () => {
  const data = join(dir, "keyed");
  const made = await runCli([bun, MAIN, "keys", "create", "--name", "laptop", "--config", file, "--data-dir", data]);
  expect(made.code).toBe(0);
  const key = /^wf-[A-Za-z0-9]{20,}$/m.exec(made.stdout)?.[0];
  expect(key).toBeDefined();
  const gw = await spawnGateway([bun, MAIN, "serve", "--config", file, "--port", "0", "--data-dir", data]);
  try {
    const none = await ask(gw.url);
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe("missing_api_key");
    expect((await ask(gw.url, { authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await ask(gw.url, { "x-api-key": key! })).status).toBe(200);
    const revoked = await runCli([bun, MAIN, "keys", "revoke", "laptop", "--config", file, "--data-dir", data]);
    expect(revoked.code).toBe(0);
    // Another process revoked it: the server's short verify cache lets it go within seconds.
    let status = 200;
    for (let i = 0; i < 80 && status === 200; i++) {
      await Bun.sleep(100);
      status = (await ask(gw.url, { authorization: `Bearer ${key}` })).status;
    }
    expect(status).toBe(401);
    expect(gw.lines.join("\n")).not.toContain(key!);
  } finally {
    await gw.stop();
  }
}, 30_000);

test("an expired key is a 401 at the server; a token budget (tpm) is a 429 with the tokens headers", async () => {
  const data = join(dir, "expiring");
  const tight = await runCli([bun, MAIN, "keys", "create", "--name", "tight", "--tpm", "2", "--config", file, "--data-dir", data]);
  const tpmKey = /^wf-[A-Za-z0-9]{20,}$/m.exec(tight.stdout)![0];
  // Long enough that a loaded CI machine still starts the gateway and asks before it expires.
  const made = await runCli([bun, MAIN, "keys", "create", "--name", "brief", "--expires", "6s", "--config", file, "--data-dir", data]);
  const brief = /^wf-[A-Za-z0-9]{20,}$/m.exec(made.stdout)![0];
  const gw = await spawnGateway([bun, MAIN, "serve", "--config", file, "--port", "0", "--data-dir", data]);
  try {
    expect((await ask(gw.url, { authorization: `Bearer ${brief}` })).status).toBe(200);
    let status = 200;
    for (let i = 0; i < 150 && status === 200; i++) {
      await Bun.sleep(100);
      status = (await ask(gw.url, { authorization: `Bearer ${brief}` })).status;
    }
    expect(status).toBe(401);
    // The first request fits the estimate; its real usage (corrected at its end) uses the budget up.
    const first = await ask(gw.url, { authorization: `Bearer ${tpmKey}` });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-tokens")).toBe("2");
    const over = await ask(gw.url, { authorization: `Bearer ${tpmKey}` });
    expect(over.status).toBe(429);
    expect((await over.json()).error.code).toBe("rate_limit_tokens");
    expect(over.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  } finally {
    await gw.stop();
  }
}, 30_000);
