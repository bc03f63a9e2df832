// The bench's process machinery end to end: the entries start, announce their URL, relay one
// request each, and exit on stop. No load and no timings: that is what `bench/guard.ts` is for.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { COMPLETION_JSON, BENCH_MODEL } from "../../../bench/reference-upstream.ts";
import { chatBody, startTargets, TARGET_NAMES, type Targets } from "../../../bench/targets.ts";
import { timeStream } from "../../../bench/stream-timing.ts";
import { spawnServer } from "../../../bench/spawn-server.ts";

let targets: Targets;
beforeAll(async () => {
  targets = await startTargets({ chunks: 3, chunkDelayMs: 1 });
}, 30_000);
afterAll(() => targets?.stop());

describe("bench targets", () => {
  for (const name of TARGET_NAMES) {
    test(`${name} answers a chat completion with the reference body`, async () => {
      const url = targets.urls[name];
      expect(url).toStartWith("http://127.0.0.1:");
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: chatBody(BENCH_MODEL, false),
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(await res.text())).toEqual(JSON.parse(COMPLETION_JSON));
    });

    test(`${name} relays a stream`, async () => {
      const t = await timeStream(`${targets.urls[name]}/v1/chat/completions`, chatBody(BENCH_MODEL, true));
      expect(t.totalMs).toBeGreaterThanOrEqual(t.firstDataMs);
    });
  }

  test("the gateway really is in the path", async () => {
    const res = await fetch(`${targets.urls.gateway}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chatBody(BENCH_MODEL, false),
    });
    await res.arrayBuffer();
    expect(res.headers.get("x-wayfront-upstream")).toBe("ref");
  });
});

// The memory burst's /healthz references: they must answer /healthz themselves (not relay it to
// a busy upstream) and pass every byte of a stream through, in both modes.
describe("bench relay floors", () => {
  for (const mode of ["js", "native"]) {
    test(`${mode}: answers /healthz itself and relays a stream byte for byte`, async () => {
      const relay = await spawnServer("relay-floor", [targets.urls.direct, mode]);
      try {
        const health = await fetch(`${relay.url}/healthz`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: "ok" });
        const ask = (base: string) =>
          fetch(`${base}/v1/chat/completions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: chatBody(BENCH_MODEL, true),
          });
        const [direct, relayed] = await Promise.all([ask(targets.urls.direct), ask(relay.url)]);
        expect(relayed.status).toBe(200);
        expect(relayed.headers.get("content-type")).toBe(direct.headers.get("content-type"));
        const [a, b] = await Promise.all([direct.text(), relayed.text()]);
        expect(b).toBe(a);
        expect(b).toContain("data: [DONE]");
      } finally {
        await relay.stop();
      }
    });
  }
});
