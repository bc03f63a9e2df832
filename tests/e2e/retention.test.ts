// What a request leaves behind once it is answered: nothing. Hundreds of requests of every
// kind (streamed and whole, translated Responses streams, cache hits replayed as streams, a
// client that leaves mid-stream) are served by a real gateway, then the heap is collected and
// its server-side request objects and streams are counted. A stream that left a listener on
// the gateway's shutdown signal kept its request, relay and last batch for the life of the
// process (about 10 KB per stream ever served: 347 MB of heap after 32,000 streams).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let up: MockUpstream;
let slow: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startMockUpstream({ models: ["m"], wire: ["chat"] });
  slow = await startMockUpstream({ models: ["s"], wire: ["chat"], tokenDelayMs: 50 });
  gw = await startTestGateway(
    `${upstreamToml("up", up.url, 'wire = ["chat"]')}${upstreamToml("slow", slow.url, 'wire = ["chat"]')}[cache]\nmode = "deterministic"\n`,
  );
});
afterAll(async () => {
  await gw.stop();
  await up.stop();
  await slow.stop();
});

/** Live objects of the kinds a served request is made of, after a full collection. */
function liveCounts(): Record<string, number> {
  Bun.gc(true);
  const c = heapStats().objectTypeCounts;
  return { BunRequest: c.BunRequest ?? 0, ReadableStream: c.ReadableStream ?? 0, AbortController: c.AbortController ?? 0 };
}

const post = (path: string, body: unknown) =>
  fetch(`${gw.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function serveMany(round: number): Promise<number> {
  let served = 0;
  const ok = async (r: Promise<Response>) => {
    const res = await r;
    await res.text();
    expect(res.status).toBe(200);
    served++;
  };
  for (let i = 0; i < 40; i++) {
    const content = `round ${round} question ${i}`;
    await ok(post("/v1/chat/completions", { model: "m", stream: true, messages: [{ role: "user", content }] }));
    await ok(post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content }] }));
    await ok(post("/v1/responses", { model: "m", stream: true, input: content }));
    // Temperature 0: the first is recorded, the second replayed from the cache as a stream.
    const cached = { model: "m", stream: true, temperature: 0, messages: [{ role: "user", content: `${content}, cached` }] };
    await ok(post("/v1/chat/completions", cached));
    await ok(post("/v1/chat/completions", cached));
  }
  // Clients that leave a stream after its first bytes.
  for (let i = 0; i < 20; i++) {
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "s", stream: true, messages: [{ role: "user", content: `leave ${round} ${i}` }] }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
    served++;
  }
  return served;
}

test("hundreds of answered requests of every kind leave no request or stream alive", async () => {
  await serveMany(0); // the first of each kind may leave caches (compiled schemas, pools) warm
  await Bun.sleep(200);
  const before = liveCounts();
  const served = await serveMany(1);
  expect(served).toBe(220);
  // Ends that settle on a timer (an abandoned stream's upstream cancel) have had their turn.
  await Bun.sleep(300);
  const after = liveCounts();
  // A leak keeps one or more of each per request (220 here); a few may be mid-collection.
  const grew = Object.fromEntries(Object.keys(before).map((k) => [k, after[k] - before[k]]));
  for (const n of Object.values(grew)) expect(n, JSON.stringify({ before, after })).toBeLessThan(30);
});
