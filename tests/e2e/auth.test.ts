// Client keys at the HTTP edge: who may call (auth "auto": this machine only until a key
// exists), 401 / 403 in the API's own error shape, /v1/models trimmed to what a key may use,
// and each key's cache and stored responses its own. A LAN client is stood in for by a
// trusted proxy's X-Forwarded-For (traffic stays on loopback).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { until } from "../helpers/wait.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";

let mock: MockUpstream;
let gw: TestGateway;
const LAN = { "x-forwarded-for": "192.0.2.50" }; // TEST-NET-1: never dialled, only named

const key = (name: string, models: string[] | null = null): ClientKey => ({
  name,
  models,
  rpm: null,
  tpm: null,
  dailyBudgetUsd: null,
  admin: false,
  namespace: `key:${name}`,
});
const KEYS: Record<string, ClientKey> = {};
const fakeStore: KeyStore = { verify: async (t) => KEYS[t] ?? null, any: async () => Object.keys(KEYS).length > 0, touch() {} };

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  gw = await startTestGateway(
    `[server]\ntrusted_proxies = ["127.0.0.1"]\n` +
      upstreamToml("gpu", mock.url, `models = ["m"]\nwire = ["chat"]`) +
      `[models."coder"]\ntargets = ["gpu/m"]\n`,
  );
  gw.gateway.keys = fakeStore;
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const chat = (headers: Record<string, string>, model = "coder", content = "hello") =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, temperature: 0, messages: [{ role: "user", content }] }),
  });

describe("no keys yet (auth auto)", () => {
  test("this machine is served, whatever key its SDK sends; the LAN gets a 401 saying how to make a key", async () => {
    expect((await chat({ authorization: "Bearer local" })).status).toBe(200);
    const r = await chat({ ...LAN, authorization: "Bearer local" });
    expect(r.status).toBe(401);
    const body = await r.json();
    expect(body.error.type).toBe("authentication_error");
    expect(body.error.message).toContain("wayfront keys create");
    expect((await fetch(`${gw.v1}/models`, { headers: LAN })).status).toBe(401);
  });
});

describe("once keys exist", () => {
  beforeAll(() => {
    KEYS["wf-laptop-secret-1"] = key("laptop", ["coder"]);
    KEYS["wf-family-secret-2"] = key("family");
    KEYS["wf-loop-secret-3"] = { ...key("runaway-loop"), rpm: 2 };
    KEYS["wf-one-stream-4"] = { ...key("one-stream"), maxStreams: 1 };
  });

  test("every API request needs a live key, from this machine too", async () => {
    const none = await chat({});
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe("missing_api_key");
    const wrong = await chat({ authorization: "Bearer wf-nope" });
    expect((await wrong.json()).error.code).toBe("invalid_api_key");
    expect((await chat({ ...LAN, authorization: "Bearer wf-laptop-secret-1" })).status).toBe(200);
    expect((await chat({ ...LAN, "x-api-key": "wf-family-secret-2" })).status).toBe(200);
  });

  test("a key limited to some models gets 403 model_not_allowed for others, and /v1/models lists only its own", async () => {
    const r = await chat({ authorization: "Bearer wf-laptop-secret-1" }, "gpu/m");
    expect(r.status).toBe(403);
    expect((await r.json()).error.code).toBe("model_not_allowed");
    const listed = await (await fetch(`${gw.v1}/models`, { headers: { authorization: "Bearer wf-laptop-secret-1" } })).json();
    expect(listed.data.map((m: { id: string }) => m.id)).toEqual(["coder"]);
    const all = await (await fetch(`${gw.v1}/models`, { headers: { authorization: "Bearer wf-family-secret-2" } })).json();
    expect(all.data.map((m: { id: string }) => m.id)).toContain("m");
    expect((await fetch(`${gw.v1}/models/gpu/m`, { headers: { authorization: "Bearer wf-laptop-secret-1" } })).status).toBe(403);
  });

  test("each key has its own cache: the same prompt is a hit for the same key only", async () => {
    const q = `isolated ${crypto.randomUUID()}`;
    const a1 = await chat({ authorization: "Bearer wf-laptop-secret-1" }, "coder", q);
    const a2 = await chat({ authorization: "Bearer wf-laptop-secret-1" }, "coder", q);
    const b1 = await chat({ authorization: "Bearer wf-family-secret-2" }, "coder", q);
    expect([a1, a2, b1].map((r) => r.headers.get("x-wayfront-cache"))).toEqual(["MISS", "HIT", "MISS"]);
  });

  test("another key's stored response is a 404", async () => {
    const created = await fetch(`${gw.v1}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wf-laptop-secret-1" },
      body: JSON.stringify({ model: "coder", input: "remember me" }),
    });
    const { id } = await created.json();
    const own = await fetch(`${gw.v1}/responses/${id}`, { headers: { authorization: "Bearer wf-laptop-secret-1" } });
    expect(own.status).toBe(200);
    const other = await fetch(`${gw.v1}/responses/${id}`, { headers: { authorization: "Bearer wf-family-secret-2" } });
    expect(other.status).toBe(404);
  });

  test("the log line, /metrics and the status page name the key, never the key itself", async () => {
    await chat({ authorization: "Bearer wf-laptop-secret-1" });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/wayfront_client_requests_total\{key="laptop",status="2xx"\} [1-9]/);
    expect(metrics).toMatch(/wayfront_client_tokens_total\{key="laptop",direction="in"\} [1-9]/);
    expect(metrics).toMatch(/wayfront_client_tokens_total\{key="laptop",direction="out"\} [1-9]/);
    const status = await (await fetch(`${gw.url}/status.json`)).json();
    expect(status.clients.map((c: { name: string }) => c.name)).toContain("laptop");
    const page = await (await fetch(`${gw.url}/`)).text();
    expect(page).toContain("laptop");
    expect(metrics + JSON.stringify(status) + page).not.toContain("wf-laptop-secret-1");
    const lines = gw.logs.filter((l) => l.includes('"msg":"request"'));
    expect(lines.some((l) => JSON.parse(l).key === "laptop")).toBe(true);
    expect(gw.logs.join("\n")).not.toContain("wf-laptop-secret-1");
  });

  test("a runaway loop hits its key's requests-per-minute: 429 with Retry-After and the x-ratelimit headers", async () => {
    const auth = { authorization: "Bearer wf-loop-secret-3" };
    const ok = await chat(auth);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(ok.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await chat(auth)).status).toBe(200);
    const over = await chat(auth);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(over.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect((await over.json()).error.code).toBe("rate_limit_requests");
    // Another key is not slowed down by it.
    expect((await chat({ authorization: "Bearer wf-family-secret-2" })).status).toBe(200);
  });

  test("a key with a streams limit gets a 429 for one stream too many, and its slot back when a stream ends", async () => {
    const auth = { "content-type": "application/json", authorization: "Bearer wf-one-stream-4" };
    const stream = (model: string) =>
      fetch(`${gw.v1}/chat/completions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "s" }] }),
      });
    const first = stream("gpu/m+slow-first:400"); // holds its slot while the upstream is slow
    // Once the upstream has the first request, its slot is taken.
    await until(() => mock.requests.some((r) => String(r.body?.model).includes("slow-first")), Boolean, "the first stream to reach the upstream");
    const second = await stream("gpu/m");
    expect(second.status).toBe(429);
    expect((await second.json()).error.code).toBe("rate_limit_streams");
    expect(second.headers.get("retry-after")).toBe("1");
    await (await first).text();
    const third = await stream("gpu/m");
    expect(third.status).toBe(200);
    await third.text();
    // A non-stream request is not a stream.
    expect((await chat({ authorization: "Bearer wf-one-stream-4" })).status).toBe(200);
  });
});
