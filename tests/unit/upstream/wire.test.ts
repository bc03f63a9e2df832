import { describe, expect, test } from "bun:test";
import { describeWire, judgeProbeStatus, speaks } from "../../../src/upstream/wire.ts";
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
    for (const s of [404, 405, 501]) expect(judgeProbeStatus(s)).toBe(false);
    for (const s of [200, 400, 422]) expect(judgeProbeStatus(s)).toBe(true);
    for (const s of [401, 403, 429, 500, 503]) expect(judgeProbeStatus(s)).toBeNull();
  });

  test("configured wire is used without a probe", async () => {
    const s = state(["chat", "responses"], async () => new Response(null, { status: 404 }));
    expect(await speaks(s, "responses")).toBe(true);
    expect(await speaks(s, "messages")).toBe(false);
    expect(await speaks(s, "chat")).toBe(true);
    expect(
      await speaks(
        state(["chat"], async () => new Response()),
        "responses",
      ),
    ).toBe(false);
    expect(
      await speaks(
        state(["chat", "messages"], async () => new Response()),
        "messages",
      ),
    ).toBe(true);
    expect(s.calls).toEqual([]);
  });

  test("auto probes once with {} and remembers, even for concurrent callers", async () => {
    const s = state("auto", async () => new Response('{"error":{}}', { status: 400 }));
    const got = await Promise.all([speaks(s, "responses"), speaks(s, "responses")]);
    expect(got).toEqual([true, true]);
    expect(await speaks(s, "responses")).toBe(true);
    expect(s.calls).toEqual(["POST http://u.invalid/v1/responses {}"]);
  });

  test("each API is probed on its own path, chat never", async () => {
    const s = state("auto", async () => new Response(null, { status: 404 }));
    expect(await speaks(s, "chat")).toBe(true);
    expect(await speaks(s, "messages")).toBe(false);
    expect(await speaks(s, "messages")).toBe(false);
    expect(s.calls).toEqual(["POST http://u.invalid/v1/messages {}"]);
  });

  test("an inconclusive probe means chat for now and is tried again", async () => {
    let status = 503;
    const s = state("auto", async () => new Response(null, { status }));
    expect(await speaks(s, "responses")).toBe(false);
    status = 404;
    expect(await speaks(s, "responses")).toBe(false);
    expect(await speaks(s, "responses")).toBe(false);
    expect(s.calls).toHaveLength(2);
  });

  test("no connection is inconclusive too", async () => {
    const s = state("auto", async () => {
      throw new Error("ECONNREFUSED");
    });
    expect(await speaks(s, "responses")).toBe(false);
    expect(await speaks(s, "responses")).toBe(false);
    expect(s.calls).toHaveLength(2);
  });

  test("describeWire: the configured list, or auto and what the probe found", async () => {
    expect(await describeWire(state(["chat"], async () => new Response()))).toBe("chat");
    expect(await describeWire(state(["chat", "responses"], async () => new Response()))).toBe("chat+responses");
    expect(await describeWire(state("auto", async () => new Response(null, { status: 404 })))).toBe("auto: chat");
    expect(await describeWire(state("auto", async () => new Response(null, { status: 422 })))).toBe("auto: chat+responses+messages");
    const byPath = state("auto", async () => new Response(null, { status: 404 }));
    byPath.fetch = (async (url: string) => new Response(null, { status: url.endsWith("/messages") ? 400 : 404 })) as never;
    expect(await describeWire(byPath)).toBe("auto: chat+messages");
    const flaky = state("auto", async () => new Response(null, { status: 500 }));
    expect(await describeWire(flaky)).toStartWith("auto: chat; unknown: responses, messages");
  });

  test("describeWire shares the probes with speaks", async () => {
    const s = state("auto", async () => new Response(null, { status: 400 }));
    expect(await describeWire(s)).toBe("auto: chat+responses+messages");
    expect(await speaks(s, "responses")).toBe(true);
    expect(await speaks(s, "messages")).toBe(true);
    expect(s.calls).toHaveLength(2);
  });
});
