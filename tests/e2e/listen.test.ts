// Listening: a second Wayfront on a port in use fails at start with a plain message (no
// SO_REUSEPORT unless server.reuse_port, so the kernel never splits connections between two),
// `wayfront serve` prints it and exits non-zero, and [server.tls] serves https with Bun's TLS.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../src/config/load.ts";
import { resolveConfig } from "../../src/config/resolve.ts";
import { startGateway, type Running } from "../../src/server/start.ts";
import { runCli } from "../helpers/process.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "wayfront-listen-"));
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  rmSync(dir, { recursive: true, force: true });
});

const DEMO = `[health]\ninterval = "1h"\n`;
let n = 0;

/** A gateway from TOML on a fixed port (0: any), with its own data dir; stopped after the file. */
function start(toml: string, port: number): Running {
  const config = resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {}, { host: "127.0.0.1", port, dataDir: join(dir, `d${n++}`), demo: true });
  const r = startGateway(config, "test", { write: () => {} });
  running.push(r);
  return r;
}

/** A port nobody listens on right now (the kernel's pick, released). */
function freePort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

const models = (url: string, init?: RequestInit) => fetch(`${url}/v1/models`, init).then((r) => r.status);

test("a second gateway on a port in use fails at start, saying so; the first keeps serving", async () => {
  const port = freePort();
  const first = start(DEMO, port);
  expect(first.port).toBe(port);
  expect(() => start(DEMO, port)).toThrow(`port ${port} is already in use (another Wayfront?) — stop it or pick another with --port`);
  for (let i = 0; i < 10; i++) expect(await models(first.url)).toBe(200);
});

test("reusePort is off by default: not even a SO_REUSEPORT listener can share the port", () => {
  const gw = start(DEMO, 0);
  expect(gw.gateway.config.server.reusePort).toBe(false);
  expect(() => Bun.serve({ hostname: "127.0.0.1", port: gw.port, reusePort: true, fetch: () => new Response("intruder") }).stop(true)).toThrow();
});

test("reuse_port = true lets two gateways share the port (what the setting is for)", async () => {
  const port = freePort();
  const toml = `[server]\nreuse_port = true\n` + DEMO;
  const a = start(toml, port);
  const b = start(toml, port);
  expect(b.port).toBe(a.port);
  expect(await models(a.url)).toBe(200);
});

test("`wayfront serve` on a port in use prints the message, no stack, and exits non-zero", async () => {
  const port = freePort();
  start(DEMO, port);
  const cli = await runCli([process.execPath, MAIN, "--demo", "--host", "127.0.0.1", "--port", String(port), "--data-dir", join(dir, "cli")], {
    WAYFRONT_CONFIG: "",
    OPENAI_API_KEY: "",
  });
  expect(cli.code).not.toBe(0);
  expect(cli.stderr.trim()).toBe(`wayfront: port ${port} is already in use (another Wayfront?) — stop it or pick another with --port`);
  expect(cli.stdout + cli.stderr).not.toMatch(/\n\s+at /);
}, 20_000);

const openssl = Bun.which("openssl");
if (!openssl) console.warn("listen.test.ts: openssl not found on PATH, so the TLS tests are skipped (install openssl to run them)");

test.skipIf(!openssl)(
  "[server.tls]: https with Bun's TLS, the listening URL is https://, plain http is not served",
  async () => {
    const cert = join(dir, "cert.pem");
    const key = join(dir, "key.pem");
    const made = Bun.spawnSync(
      [openssl!, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key, "-out", cert],
      {
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    expect(made.exitCode, made.stderr.toString()).toBe(0);
    const gw = start(`[server]\n[server.tls]\ncert_file = "${cert}"\nkey_file = "${key}"\n` + DEMO, 0);
    expect(gw.url).toBe(`https://127.0.0.1:${gw.port}`);
    const insecure = { tls: { rejectUnauthorized: false } } as RequestInit;
    expect(await models(gw.url, insecure)).toBe(200);
    const chat = await fetch(`${gw.url}/v1/chat/completions`, {
      ...insecure,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "wayfront-demo", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(chat.status).toBe(200);
    expect(await chat.text()).toContain("[DONE]");
    // The page served over https is same-origin with its https URL.
    expect(await models(gw.url, { ...insecure, headers: { origin: gw.url } })).toBe(200);
    // A self-signed certificate is refused by a verifying client, and plain http gets no answer.
    await expect(fetch(`${gw.url}/v1/models`)).rejects.toThrow();
    const plain = await fetch(`http://127.0.0.1:${gw.port}/v1/models`).then(
      (r) => r.status,
      () => "refused",
    );
    expect(plain).not.toBe(200);
  },
  20_000,
);

test("[server.tls] with a missing file names the key and the path", () => {
  const missing = join(dir, "nope.pem");
  expect(() => start(`[server]\n[server.tls]\ncert_file = "${missing}"\nkey_file = "${missing}"\n` + DEMO, 0)).toThrow(
    `server.tls.cert_file: ${missing} does not exist`,
  );
});

test("a --host that is not an address of this machine is said in words, not ENOENT", () => {
  const config = resolveConfig(
    parseConfigText(DEMO, "t.toml"),
    "t.toml",
    {},
    { host: "999.1.1.1", port: 0, dataDir: join(dir, `d${n++}`), demo: true },
  );
  expect(() => startGateway(config, "test", { write: () => {} })).toThrow(
    "cannot listen on 999.1.1.1: not an address of this machine — pick another with --host",
  );
});
