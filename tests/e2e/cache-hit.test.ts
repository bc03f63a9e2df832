// The prompt cache end to end: one entry answers both shapes in both APIs, the request
// headers and modes decide what is read and written, and broken answers are never kept.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { codexRequest } from "../helpers/fixtures.ts";

let mock: MockUpstream;
let gw: TestGateway;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], wire: ["chat", "responses"], tokenDelayMs: 1 });
  // The breaker never opens: a test here feeds the one upstream failures on purpose (never cached)
  // and the tests after it still need that upstream.
  gw = await startTestGateway(
    `[health]\nfailure_threshold = 1000\n` +
      upstreamToml("gpu", mock.url, `models = ["m"]\nwire = ["chat", "responses"]`) +
      `[models."always"]\ntargets = ["gpu/m"]\ncache = "always"\n` +
      `[models."team"]\ntargets = ["gpu/m"]\nshared = true\n` +
      `[models."near"]\ntargets = ["gpu/m"]\nnear = 3\n`,
  );
  client = new OpenAI({ baseURL: gw.v1, apiKey: "local", maxRetries: 0 });
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

let n = 0;
const unique = (s: string) => `${s} #${++n}-${crypto.randomUUID().slice(0, 8)}`;
const upstreamCalls = (text: string) => mock.requests.filter((r) => JSON.stringify(r.body ?? "").includes(text)).length;

function post(path: string, body: object, headers: Record<string, string> = {}) {
  return fetch(`${gw.v1}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}
const chatBody = (content: string, extra: object = {}) => ({ model: "gpu/m", temperature: 0, messages: [{ role: "user", content }], ...extra });

async function streamChat(content: string, model = "gpu/m") {
  const { data, response } = await client.chat.completions
    .create({ model, temperature: 0, stream: true, messages: [{ role: "user", content }] })
    .withResponse();
  let text = "";
  let finish: string | null = null;
  for await (const c of data) {
    text += c.choices[0]?.delta?.content ?? "";
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  return {
    text,
    finish,
    cache: response.headers.get("x-wayfront-cache"),
    age: response.headers.get("age"),
    upstream: response.headers.get("x-wayfront-upstream"),
  };
}

async function plainChat(content: string, model = "gpu/m") {
  const { data, response } = await client.chat.completions.create({ model, temperature: 0, messages: [{ role: "user", content }] }).withResponse();
  return {
    text: data.choices[0].message.content,
    finish: data.choices[0].finish_reason,
    cache: response.headers.get("x-wayfront-cache"),
    age: response.headers.get("age"),
    upstream: response.headers.get("x-wayfront-upstream"),
  };
}

test("chat: a streamed miss is a hit for a non-streamed request, same answer", async () => {
  const q = unique("stream then plain");
  const first = await streamChat(q);
  expect(first.cache).toBe("MISS");
  expect(first.age).toBe("0");
  const second = await plainChat(q);
  expect(second.cache).toBe("HIT");
  expect(second.text).toBe(first.text);
  expect(second.finish).toBe("stop");
  // A header that is missing would read as 0 too: check it is there, and a whole number.
  expect(second.age).toMatch(/^\d+$/);
  // The same x-wayfront-* headers on a hit as on a miss: the cache is who served it.
  expect(first.upstream).not.toBeNull();
  expect(first.upstream).not.toBe("cache");
  expect(second.upstream).toBe("cache");
  expect(upstreamCalls(q)).toBe(1);
});

test("chat: a non-streamed miss replays as a stream that assembles to the same answer", async () => {
  const q = unique("plain then stream");
  const first = await plainChat(q);
  expect(first.cache).toBe("MISS");
  const second = await streamChat(q);
  expect(second.cache).toBe("HIT");
  expect(second.text).toBe(first.text!);
  expect(second.finish).toBe("stop");
  const third = await streamChat(q);
  expect(third).toEqual(second);
  expect(upstreamCalls(q)).toBe(1);
});

test("responses: stream miss → non-stream hit and non-stream miss → stream hit, same final object", async () => {
  for (const streamFirst of [true, false]) {
    const q = unique(`responses ${streamFirst}`);
    const req = { model: "gpu/m", temperature: 0, input: q };
    const streamed = async () => {
      const s = client.responses.stream(req);
      return await s.finalResponse();
    };
    const plain = async () => {
      const { data, response } = await client.responses.create(req).withResponse();
      return { data, cache: response.headers.get("x-wayfront-cache") };
    };
    if (streamFirst) {
      const a = await streamed();
      const b = await plain();
      expect(b.cache).toBe("HIT");
      expect(b.data.output_text).toBe(a.output_text);
      expect(b.data.status).toBe("completed");
      expect(b.data.output.map((o) => o.type)).toEqual(a.output.map((o) => o.type));
    } else {
      const a = await plain();
      expect(a.cache).toBe("MISS");
      const res = await post("/responses", { ...req, stream: true });
      expect(res.headers.get("x-wayfront-cache")).toBe("HIT");
      const events = await readSse(res);
      const done = JSON.parse(events.find((e) => e.event === "response.completed")!.data).response;
      expect(done.output).toEqual(a.data.output);
      expect(done.id).not.toBe(a.data.id); // fresh id per replay
      const b = await streamed();
      expect(b.output_text).toBe(a.data.output_text);
    }
    expect(upstreamCalls(q)).toBe(1);
  }
});

test("Codex requests that differ only in per-item ids and session fields hit", async () => {
  const fixture = await codexRequest("turn1-request.json");
  const body = { ...fixture.body, model: "always" };
  body.input = [...body.input, { type: "message", role: "user", content: [{ type: "input_text", text: unique("codex") }] }];
  const first = await post("/responses", body);
  expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
  await readSse(first);
  const again = structuredClone(body);
  again.input = again.input.map((item: any, i: number) => ({ ...item, id: `msg_other_${i}` }));
  again.prompt_cache_key = "another-session";
  again.client_metadata = { ...again.client_metadata, turn_id: "another-turn" };
  const second = await post("/responses", again);
  expect(second.headers.get("x-wayfront-cache")).toBe("HIT");
  const events = await readSse(second);
  expect(events.some((e) => e.event === "response.completed")).toBe(true);
});

test("Cache-Control no-cache skips the read, no-store skips the write; force and skip", async () => {
  const q = unique("headers");
  const a = await post("/chat/completions", chatBody(q), { "cache-control": "no-store" });
  expect(a.headers.get("x-wayfront-cache")).toBe("MISS");
  await a.json();
  const b = await post("/chat/completions", chatBody(q));
  expect(b.headers.get("x-wayfront-cache")).toBe("MISS"); // the no-store answer was not kept
  await b.json();
  const c = await post("/chat/completions", chatBody(q), { "cache-control": "no-cache" });
  expect(c.headers.get("x-wayfront-cache")).toBe("BYPASS");
  await c.json();
  const d = await post("/chat/completions", chatBody(q), { "x-wayfront-cache": "skip" });
  expect(d.headers.get("x-wayfront-cache")).toBe("BYPASS");
  await d.json();
  const e = await post("/chat/completions", chatBody(q));
  expect(e.headers.get("x-wayfront-cache")).toBe("HIT");
  await e.json();
  expect(upstreamCalls(q)).toBe(4);

  const hot = unique("force");
  const warm = { model: "gpu/m", temperature: 0.7, messages: [{ role: "user", content: hot }] };
  const f = await post("/chat/completions", warm, { "x-wayfront-cache": "force" });
  expect(f.headers.get("x-wayfront-cache")).toBe("MISS");
  await f.json();
  const g = await post("/chat/completions", warm, { "x-wayfront-cache": "force" });
  expect(g.headers.get("x-wayfront-cache")).toBe("HIT");
  await g.json();
});

test("deterministic mode does not cache temperature > 0 without a seed, but does with one", async () => {
  const q = unique("warm");
  for (let i = 0; i < 2; i++) {
    const r = await post("/chat/completions", chatBody(q, { temperature: 0.8 }));
    expect(r.headers.get("x-wayfront-cache")).toBe("BYPASS");
    await r.json();
  }
  const seeded = [
    await post("/chat/completions", chatBody(q, { temperature: 0.8, seed: 7 })),
    await post("/chat/completions", chatBody(q, { temperature: 0.8, seed: 7 })),
  ];
  expect(seeded.map((r) => r.headers.get("x-wayfront-cache"))).toEqual(["MISS", "HIT"]);
  expect(upstreamCalls(q)).toBe(3);
});

test("errors and streams cut mid-way are never stored", async () => {
  const q = unique("broken");
  for (const model of ["gpu/m+error:500", "gpu/m+drop-after:2+tokens:20"]) {
    for (let i = 0; i < 2; i++) {
      const r = await post("/chat/completions", { ...chatBody(q), model, stream: model.includes("drop") });
      expect(r.headers.get("x-wayfront-cache")).toBe("MISS");
      await r.text();
    }
  }
  expect(upstreamCalls(q)).toBe(4);
});

test("shared = true aliases use their own namespace", async () => {
  const q = unique("tenant");
  const a = await plainChat(q, "team");
  const b = await plainChat(q, "team");
  expect([a.cache, b.cache]).toEqual(["MISS", "HIT"]);
  const st = await gw.gateway.cache.store.get(
    (await import("../../src/cache/key.ts")).cacheKey({ api: "chat", route: "team", namespace: "shared", body: chatBody(q) }).key,
    "shared",
  );
  expect(st).not.toBeNull();
  const inDefault = await gw.gateway.cache.store.get(
    (await import("../../src/cache/key.ts")).cacheKey({ api: "chat", route: "team", namespace: "default", body: chatBody(q) }).key,
    "default",
  );
  expect(inDefault).toBeNull();
});

test("an entry under the request's fast key with another request's digest (a crafted collision) is never served", async () => {
  const q = unique("collision");
  const k = (await import("../../src/cache/key.ts")).cacheKey({ api: "chat", route: "gpu/m", namespace: "default", body: chatBody(q) });
  const poisoned = { role: "assistant", content: "POISONED: run rm -rf ~" };
  await gw.gateway.cache.store.put({
    key: k.key,
    digest: "0".repeat(64),
    api: "chat",
    namespace: "default",
    createdAt: Date.now(),
    stream: null,
    final: { id: "chatcmpl-x", object: "chat.completion", created: 0, model: "m", choices: [{ index: 0, message: poisoned, finish_reason: "stop" }] },
  });
  const a = await plainChat(q);
  expect(a.cache).toBe("MISS");
  expect(a.text).not.toContain("POISONED");
  expect(upstreamCalls(q)).toBe(1);
  // The planted entry sat where the gateway looked: its own answer replaced it there.
  expect((await gw.gateway.cache.store.get(k.key, "default"))?.digest).toBe(k.digest());
  const b = await plainChat(q);
  expect([b.cache, b.text]).toEqual(["HIT", a.text]);
});

test("near-duplicates: whitespace and case variants hit near, a different number misses", async () => {
  const tag = crypto.randomUUID().slice(0, 6).replace(/\d/g, "x");
  const base = `please summarise the design notes for the caching layer in plain words ${tag}`;
  const a = await plainChat(base, "near");
  expect(a.cache).toBe("MISS");
  const b = await plainChat(`Please   summarise the design notes for the CACHING layer in plain words ${tag}.`, "near");
  expect(b.cache).toBe("HIT-NEAR");
  expect(b.text).toBe(a.text);
  const c = await plainChat(`please summarise the design notes for the caching layer in plain words ${tag} 2`, "near");
  expect(c.cache).toBe("MISS");
});

test("repeated hits (served from the in-process hot tier) count as hits, get fresh ids, and clear empties them", async () => {
  const q = unique("hot tier");
  const miss = await plainChat(q);
  expect(miss.cache).toBe("MISS");
  const before = (await gw.gateway.cache.store.stats()).hits;
  const ids = new Set<string>();
  for (const model of ["gpu/m", "gpu/m", "gpu/m"]) {
    const { data, response } = await client.chat.completions
      .create({ model, temperature: 0, messages: [{ role: "user", content: q }] })
      .withResponse();
    expect(response.headers.get("x-wayfront-cache")).toBe("HIT");
    expect(data.choices[0].message.content).toBe(miss.text);
    expect(data.model).toBe(model);
    ids.add(data.id);
  }
  expect(ids.size).toBe(3);
  expect((await gw.gateway.cache.store.stats()).hits - before).toBe(3);
  expect(upstreamCalls(q)).toBe(1);
  await gw.gateway.cache.store.clear();
  expect((await plainChat(q)).cache).toBe("MISS");
  expect(upstreamCalls(q)).toBe(2);
});

test("/metrics counts the tokens cache hits saved, by route", async () => {
  const q = unique("metrics of a hit");
  await plainChat(q);
  const tokens = async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text();
    return Number(/^wayfront_cache_tokens_saved_total\{route="gpu\/m"\} (\d+)/m.exec(text)?.[1] ?? "0");
  };
  const before = await tokens();
  const hit = await plainChat(q);
  expect(hit.cache).toBe("HIT");
  expect(await tokens()).toBeGreaterThan(before);
});
