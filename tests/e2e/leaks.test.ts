// Credentials embedded in an upstream's URL (`http://user:pass@host/v1`, `?api_key=…`) are for
// that upstream only: they appear in no client answer, not on the status page, /status.json or
// /metrics, and not in the log, whether the upstream answers, refuses, or fails TLS.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

const SECRET = "s3cret";

let live: MockUpstream;
let gw: TestGateway;
let closedPort: number;

/** A port nothing listens on: bound by us a moment ago, then released. */
function closedLocalPort(): number {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

beforeAll(async () => {
  live = await startMockUpstream({ models: ["m"], wire: ["chat", "responses"] });
  closedPort = closedLocalPort();
  const withCreds = (url: string) => url.replace("http://", `http://user:${SECRET}@`);
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\nfailure_threshold = 100\n` +
      upstreamToml("dead", `http://user:${SECRET}@127.0.0.1:${closedPort}/v1`, `models = ["m"]`) +
      upstreamToml("deadq", `http://127.0.0.1:${closedPort}/v1?api_key=${SECRET}`, `models = ["m"]`) +
      upstreamToml("tls", withCreds(live.url).replace("http://", "https://"), `models = ["m"]`) +
      upstreamToml("live", withCreds(live.url)) +
      `[models."failover"]\ntargets = ["dead/m", "tls/m", "live/m"]\n` +
      `[models."nowhere"]\ntargets = ["dead/m", "deadq/m", "tls/m"]\n`,
  );
  // Let the health probes record their errors, so the status views have them to show.
  await until(
    () => status(gw.url),
    (s) => ["dead", "deadq", "tls"].every((n) => upstreamStatus(s, n).reachable === false),
    "the probes to fail",
  );
});

afterAll(async () => {
  await gw?.stop();
  await live?.stop();
});

/** The whole of an answer as a client sees it: status line, headers, body. */
async function seen(res: Response): Promise<string> {
  return `${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${await res.text()}`;
}

const post = (path: string, body: unknown) =>
  fetch(gw.v1 + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const chat = (model: string, stream = false) => post("/chat/completions", { model, stream, messages: [{ role: "user", content: "hi" }] });

test("failing upstreams' error answers name them without their credentials", async () => {
  for (const model of ["dead/m", "deadq/m", "tls/m", "nowhere"]) {
    for (const stream of [false, true]) {
      const res = await chat(model, stream);
      expect(res.status).toBeGreaterThanOrEqual(500);
      const text = await seen(res);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain("user:");
    }
  }
  const one = await (await chat("dead/m")).json();
  // Still says where: the host and port, just not who with.
  expect(one.error.message).toContain(`Upstream \`dead\` (http://127.0.0.1:${closedPort}/v1)`);
  const q = await (await chat("deadq/m")).json();
  expect(q.error.message).toContain(`(http://127.0.0.1:${closedPort}/v1?api_key=[redacted])`);
  const translated = await post("/responses", { model: "nowhere", input: "hi" });
  expect(translated.status).toBeGreaterThanOrEqual(500);
  expect(await seen(translated)).not.toContain(SECRET);
});

test("an upstream with credentials in its URL is still called with them", async () => {
  const res = await chat("failover");
  const text = await seen(res);
  expect(res.status).toBe(200);
  expect(text).not.toContain(SECRET);
  // What is fetched is the configured URL, untouched: the mock was reached through it.
  expect(live.requests.some((r) => r.path === "/v1/chat/completions")).toBe(true);
  const stored = await fetch(`${gw.v1}/responses/resp_nothing_here`);
  expect(stored.status).toBe(404);
  expect(await seen(stored)).not.toContain(SECRET);
});

test("the status page, /status.json, /metrics and /v1/models show no credentials", async () => {
  for (const path of ["/", "/status", "/status.json", "/metrics", "/healthz", "/v1/models"]) {
    const text = await seen(await fetch(gw.url + path));
    expect({ path, leaks: text.includes(SECRET) }).toEqual({ path, leaks: false });
  }
  const s = await status(gw.url);
  expect(upstreamStatus(s, "dead").base_url).toBe(`http://127.0.0.1:${closedPort}/v1`);
  expect(upstreamStatus(s, "deadq").base_url).toBe(`http://127.0.0.1:${closedPort}/v1?api_key=[redacted]`);
  expect(upstreamStatus(s, "live").base_url).toBe(live.url);
  expect(upstreamStatus(s, "dead").last_error).toBeTruthy();
  const page = await (await fetch(gw.url + "/")).text();
  expect(page).toContain(`http://127.0.0.1:${closedPort}/v1`);
});

test("the gateway's log lines carry no credentials", async () => {
  // Every request above is in the log, with its error words.
  expect(gw.logs.some((l) => l.includes('"msg":"request"') && l.includes("dead"))).toBe(true);
  const leaking = gw.logs.filter((l) => l.includes(SECRET));
  expect(leaking).toEqual([]);
});
