// Secrets never leave: with a recognisable upstream key and a recognisable client key in
// play, neither appears in any response (bodies and headers, streamed and not, errors, cache
// hits, stored responses), any log line, the status page, /status.json, /metrics, or any
// byte of the SQLite files (cache rows, stored responses, the keys table).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startMisbehaving, type Misbehaving } from "../mock/misbehaving.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { sqliteKeyStore } from "../../src/auth/key-store.ts";

const UPSTREAM_KEY = "sk-upstream-RECOGNISABLE-4242";
let CLIENT_KEY = "";
let mock: MockUpstream;
let bad: Misbehaving;
let gw: TestGateway;
const seen: string[] = [];

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], apiKey: UPSTREAM_KEY, wire: ["chat"] });
  bad = startMisbehaving();
  gw = await startTestGateway(
    upstreamToml("cloud", mock.url, `tier = "cloud"\nmodels = ["m"]\nwire = ["chat"]\napi_key_env = "UP_KEY"`) +
      upstreamToml("echo", bad.url, `api_key_env = "UP_KEY"`) +
      upstreamToml("wrongkey", mock.url, `models = ["m"]\napi_key_env = "WRONG_KEY"`),
    { env: { UP_KEY: UPSTREAM_KEY, WRONG_KEY: "sk-wrong-RECOGNISABLE-9999" } },
  );
  const keys = sqliteKeyStore(gw.gateway.db);
  CLIENT_KEY = keys.create({ name: "laptop", admin: true }).key;
  keys.close();
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
  await bad.stop();
});

async function call(path: string, init: RequestInit = {}): Promise<void> {
  const r = await fetch(`${gw.url}${path}`, {
    ...init,
    headers: { "content-type": "application/json", authorization: `Bearer ${CLIENT_KEY}`, ...(init.headers as Record<string, string>) },
  });
  seen.push(`${r.status} ${JSON.stringify([...r.headers])}\n${await r.text()}`);
}
const post = (path: string, body: unknown) => call(path, { method: "POST", body: JSON.stringify(body) });

test("neither key is in anything a client, an operator or the disk gets", async () => {
  const chat = { model: "cloud/m", temperature: 0, messages: [{ role: "user", content: "hello" }] };
  await post("/v1/chat/completions", chat);
  await post("/v1/chat/completions", chat); // a cache hit
  await post("/v1/chat/completions", { ...chat, stream: true });
  await post("/v1/responses", { model: "cloud/m", input: "remember", temperature: 0 });
  await post("/v1/responses", { model: "cloud/m", input: "remember", stream: true });
  await post("/v1/chat/completions", { model: "echo/echo-key", messages: [{ role: "user", content: "x" }], temperature: 0 });
  await post("/v1/chat/completions", { model: "echo/echo-key-stream", stream: true, messages: [{ role: "user", content: "x" }] });
  await post("/v1/chat/completions", { model: "wrongkey/m", messages: [{ role: "user", content: "x" }] }); // the upstream rejects the key
  await post("/v1/chat/completions", { model: "nope/m", messages: [{ role: "user", content: "x" }] });
  for (const p of ["/", "/status.json", "/metrics", "/v1/models", "/healthz"]) await call(p);
  await gw.gateway.cache.store.stats(); // every queued cache write is on disk
  // Every file, the spill directory's included (cache/spill.ts: large streams wait there).
  const disk = readdirSync(gw.dataDir, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => readFileSync(join(f.parentPath, f.name)).toString("latin1"))
    .join("\n");
  const everything = [...seen, ...gw.logs, disk].join("\n");
  expect(seen.length).toBe(14);
  expect(disk).toContain("remember"); // the files read are the ones that hold the stored turns
  expect(seen.join("\n")).toContain("[redacted]"); // the echoed key was there to hide
  expect(everything).toContain("laptop"); // the key's name is there (log line, keys table)
  for (const secret of [UPSTREAM_KEY, CLIENT_KEY, "sk-wrong-RECOGNISABLE-9999", CLIENT_KEY.slice(3)]) expect(everything).not.toContain(secret);
});
