// Concurrent identical requests share one upstream call; a follower that leaves early does
// not disturb the others. TTL and the byte cap on a gateway with a tiny cache.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let mock: MockUpstream;
let gw: TestGateway;
let tiny: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], tokenDelayMs: 5 });
  gw = await startTestGateway(upstreamToml("gpu", mock.url, `models = ["m"]`));
  tiny = await startTestGateway(`[cache]\nttl = "1s"\nmax_bytes = 6000\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
});
afterAll(async () => {
  await gw.stop();
  await tiny.stop();
  await mock.stop();
});

const calls = (text: string) => mock.requests.filter((r) => JSON.stringify(r.body ?? "").includes(text)).length;
function chat(base: string, content: string, o: { stream?: boolean; signal?: AbortSignal; model?: string } = {}) {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    signal: o.signal,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: o.model ?? "gpu/m+slow-first:300+tokens:30",
      temperature: 0,
      stream: o.stream ?? true,
      messages: [{ role: "user", content }],
    }),
  });
}
const text = (events: { data: string }[]) =>
  events
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? "")
    .join("");

test("N concurrent identical requests make one upstream call and all get the same answer", async () => {
  const q = `coalesce ${crypto.randomUUID()}`;
  const responses = await Promise.all(Array.from({ length: 6 }, () => chat(gw.url, q)));
  const labels = responses.map((r) => r.headers.get("x-wayfront-cache")).sort();
  expect(labels).toEqual(["COALESCED", "COALESCED", "COALESCED", "COALESCED", "COALESCED", "MISS"]);
  const texts = await Promise.all(responses.map(async (r) => text(await readSse(r))));
  expect(new Set(texts).size).toBe(1);
  expect(texts[0].trim().split(/\s+/)).toHaveLength(30);
  expect(calls(q)).toBe(1);
  // And the answer is now cached.
  const after = await chat(gw.url, q);
  expect(after.headers.get("x-wayfront-cache")).toBe("HIT");
  expect(text(await readSse(after))).toBe(texts[0]);
});

test("a follower that aborts early does not break the leader or the other followers", async () => {
  const q = `abort ${crypto.randomUUID()}`;
  const model = "gpu/m+slow-first:300+tokens:200";
  const leader = chat(gw.url, q, { model });
  const ctl = new AbortController();
  const quitter = chat(gw.url, q, { model, signal: ctl.signal });
  const stayer = chat(gw.url, q, { model });
  const q1 = await quitter;
  expect(q1.headers.get("x-wayfront-cache")).toBe("COALESCED");
  const reader = q1.body!.getReader();
  await reader.read(); // it got the first bytes live
  ctl.abort();
  const [l, s] = await Promise.all([leader, stayer]);
  const [lt, st] = await Promise.all([readSse(l).then(text), readSse(s).then(text)]);
  expect(lt.trim().split(/\s+/)).toHaveLength(200);
  expect(st).toBe(lt);
  expect(calls(q)).toBe(1);
  expect(mock.requests.filter((r) => JSON.stringify(r.body ?? "").includes(q)).every((r) => !r.aborted)).toBe(true);
});

test("streaming and non-streaming requests coalesce only with their own shape", async () => {
  const q = `shapes ${crypto.randomUUID()}`;
  const [a, b] = await Promise.all([chat(gw.url, q), chat(gw.url, q, { stream: false })]);
  expect([a.headers.get("x-wayfront-cache"), b.headers.get("x-wayfront-cache")]).toEqual(["MISS", "MISS"]);
  await readSse(a);
  const body = await b.json();
  expect(body.choices[0].finish_reason).toBe("stop");
});

test("entries expire after the TTL", async () => {
  const q = `ttl ${crypto.randomUUID()}`;
  const model = "gpu/m";
  const first = await chat(tiny.url, q, { model, stream: false });
  expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
  await first.json();
  const hit = await chat(tiny.url, q, { model, stream: false });
  expect(hit.headers.get("x-wayfront-cache")).toBe("HIT");
  await hit.json();
  // Bounded poll: at most ~5 s for a 1 s TTL.
  let label: string | null = "HIT";
  for (let i = 0; i < 50 && label === "HIT"; i++) {
    await Bun.sleep(100);
    const r = await chat(tiny.url, q, { model, stream: false, ...{} });
    label = r.headers.get("x-wayfront-cache");
    await r.json();
  }
  expect(label).toBe("MISS");
});

test("the byte cap evicts the least recently used entries", async () => {
  const model = "gpu/m+tokens:150"; // ~1.5 KB per entry, the cap holds a few
  const qs = Array.from({ length: 8 }, (_, i) => `evict ${i} ${crypto.randomUUID()}`);
  for (const q of qs) await (await chat(tiny.url, q, { model, stream: false })).json();
  await tiny.gateway.cache.store.prune();
  const stats = await tiny.gateway.cache.store.stats();
  expect(stats.bytes).toBeLessThanOrEqual(6000);
  expect(stats.entries).toBeGreaterThan(0);
  const first = await chat(tiny.url, qs[0], { model, stream: false });
  expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
  await first.json();
  const last = await chat(tiny.url, qs[7], { model, stream: false });
  expect(last.headers.get("x-wayfront-cache")).toBe("HIT");
  await last.json();
});
