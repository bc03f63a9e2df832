import { describe, expect, test } from "bun:test";
import { describeWire, judgeProbeStatus, upstreamWire } from "../../../src/upstream/wire.ts";
import type { UpstreamState } from "../../../src/upstream/registry.ts";

function state(wire: UpstreamState["config"]["wire"], answer: () => Promise<Response>): UpstreamState & { calls: string[] } {
  const calls: string[] = [];
  const s = {
    calls,
    config: { name: "u", baseUrl: "http://u.invalid/v1", wire, apiKey: null, headers: {} } as unknown as UpstreamState["config"],
    fetch: async (url: string, init: RequestInit) => {
      calls.push(`${init.method} ${url} ${init.body}`);
      return answer();
    },
    models: new Set(),
    modelsAt: 0,
    lastError: null,
  };
  return s as unknown as UpstreamState & { calls: string[] };
}

describe("wire", () => {
  test("the probe rule", () => {
    for (const s of [404, 405, 501]) expect(judgeProbeStatus(s)).toBe("chat");
    for (const s of [200, 400, 422]) expect(judgeProbeStatus(s)).toBe("responses");
    for (const s of [401, 403, 429, 500, 503]) expect(judgeProbeStatus(s)).toBeNull();
  });

  test("configured wire is used without a probe", async () => {
    const s = state(["chat", "responses"], async () => new Response(null, { status: 404 }));
    expect(await upstreamWire(s)).toBe("responses");
    expect(await upstreamWire(state(["chat"], async () => new Response()))).toBe("chat");
    expect(s.calls).toEqual([]);
  });

  test("auto probes once with {} and remembers, even for concurrent callers", async () => {
    const s = state("auto", async () => new Response('{"error":{}}', { status: 400 }));
    const got = await Promise.all([upstreamWire(s), upstreamWire(s)]);
    expect(got).toEqual(["responses", "responses"]);
    expect(await upstreamWire(s)).toBe("responses");
    expect(s.calls).toEqual(["POST http://u.invalid/v1/responses {}"]);
  });

  test("an inconclusive probe means chat for now and is tried again", async () => {
    let status = 503;
    const s = state("auto", async () => new Response(null, { status }));
    expect(await upstreamWire(s)).toBe("chat");
    status = 404;
    expect(await upstreamWire(s)).toBe("chat");
    expect(await upstreamWire(s)).toBe("chat");
    expect(s.calls).toHaveLength(2);
  });

  test("no connection is inconclusive too", async () => {
    const s = state("auto", async () => {
      throw new Error("ECONNREFUSED");
    });
    expect(await upstreamWire(s)).toBe("chat");
    expect(await upstreamWire(s)).toBe("chat");
    expect(s.calls).toHaveLength(2);
  });

  test("describeWire: the configured list, or auto and what the probe found", async () => {
    expect(await describeWire(state(["chat"], async () => new Response()))).toBe("chat");
    expect(await describeWire(state(["chat", "responses"], async () => new Response()))).toBe("chat+responses");
    expect(await describeWire(state("auto", async () => new Response(null, { status: 404 })))).toBe("auto: chat");
    expect(await describeWire(state("auto", async () => new Response(null, { status: 422 })))).toBe("auto: chat+responses");
    const flaky = state("auto", async () => new Response(null, { status: 500 }));
    expect(await describeWire(flaky)).toStartWith("auto: unknown");
  });

  test("describeWire shares the probe with upstreamWire", async () => {
    const s = state("auto", async () => new Response(null, { status: 400 }));
    expect(await describeWire(s)).toBe("auto: chat+responses");
    expect(await upstreamWire(s)).toBe("responses");
    expect(s.calls).toHaveLength(1);
  });
});
