import { describe, expect, test } from "bun:test";
import { parseModel } from "../../mock/faults.ts";
import { startReplayUpstream } from "../../mock/replay-upstream.ts";
import { iterSse, readSse } from "../../mock/sse-reader.ts";
import { codexFixture } from "../../helpers/fixtures.ts";

const FIXTURE = codexFixture("sse-text-answer.txt");

describe("replay upstream", () => {
  test("serves the recorded file byte-exact to any POST", async () => {
    const replay = await startReplayUpstream(FIXTURE);
    try {
      const res = await fetch(`${replay.url}/responses`, { method: "POST", body: '{"model":"m"}' });
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const got = new Uint8Array(await res.arrayBuffer());
      expect(got).toEqual(new Uint8Array(await Bun.file(FIXTURE).arrayBuffer()));
      expect(replay.requests[0]).toMatchObject({ method: "POST", path: "/v1/responses", body: { model: "m" }, aborted: false });
    } finally {
      await replay.stop();
    }
  });
});

describe("sse reader", () => {
  test("reads the Codex fixture into named events", async () => {
    const replay = await startReplayUpstream(FIXTURE);
    try {
      const events = await readSse(await fetch(`${replay.url}/responses`, { method: "POST" }));
      expect(events[0].event).toBe("response.created");
      expect(events.at(-1)!.event).toBe("response.completed");
      expect(events.every((e) => JSON.parse(e.data).type === e.event)).toBe(true);
    } finally {
      await replay.stop();
    }
  });

  test("events split across chunk boundaries, unnamed events have no event key", async () => {
    const bytes = new TextEncoder().encode('data: {"a":1}\r\n\r\nevent: x\ndata: 2\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    expect(await readSse(new Response(body))).toEqual([{ data: '{"a":1}' }, { event: "x", data: "2" }]);
  });

  test("a last event with complete lines but no blank line still counts (as in the Codex fixtures)", async () => {
    expect(await readSse(new Response("data: 1\n\nevent: e\ndata: 2\n"))).toEqual([{ data: "1" }, { event: "e", data: "2" }]);
  });

  test("a stream cut mid-line throws", async () => {
    const res = new Response("data: 1\n\ndata: trunc");
    const seen: string[] = [];
    const run = async () => {
      for await (const ev of iterSse(res)) seen.push(ev.data);
    };
    await expect(run()).rejects.toThrow("mid-event");
    expect(seen).toEqual(["1"]);
  });
});

describe("fault markers in model names", () => {
  test("parses combined markers and keeps the base name", () => {
    const p = parseModel("mock-model+slow-first:300+drop-after:2+error:503+retry-after:4+tools");
    expect(p.base).toBe("mock-model");
    expect(p.hasMarker).toBe(true);
    expect(p.faults).toEqual({ slowFirstMs: 300, dropAfter: 2, errorStatus: 503, retryAfter: "4", tools: true });
  });

  test("colons in real model names are not markers", () => {
    expect(parseModel("llama3:8b")).toEqual({ base: "llama3:8b", faults: {}, hasMarker: false });
    expect(parseModel("qwen3:4b+hang")).toEqual({ base: "qwen3:4b", faults: { hang: true }, hasMarker: true });
  });

  test("a valued marker without its value is not a marker", () => {
    expect(parseModel("m+tokens").hasMarker).toBe(false);
  });
});
