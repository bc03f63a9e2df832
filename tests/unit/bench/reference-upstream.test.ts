import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  BENCH_MODEL,
  COMPLETION_JSON,
  FIRST_TOKEN_MODEL,
  HOLD_MODEL,
  PACED_MODEL,
  SLOW_MODEL,
  startReferenceUpstream,
  type ReferenceUpstream,
} from "../../../bench/reference-upstream.ts";
import { timeStream } from "../../../bench/stream-timing.ts";
import { chatBody } from "../../../bench/targets.ts";
import { SseParser } from "../../../src/protocol/sse.ts";

let up: ReferenceUpstream;
beforeAll(() => {
  up = startReferenceUpstream({ chunks: 4, chunkDelayMs: 1 });
});
afterAll(() => up.stop());

const post = (body: string) => fetch(`${up.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });

async function events(res: Response): Promise<string[]> {
  const parser = new SseParser();
  const out = parser.push(new Uint8Array(await res.arrayBuffer()));
  expect(parser.rest()).toBe("");
  return out.map((e) => e.data);
}

describe("reference upstream", () => {
  test("lists every bench model", async () => {
    const body = (await (await fetch(`${up.url}/v1/models`)).json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id).sort()).toEqual([BENCH_MODEL, PACED_MODEL, FIRST_TOKEN_MODEL, HOLD_MODEL, SLOW_MODEL].sort());
  });

  test("the slow model still answers the fixed completion", async () => {
    expect(await (await post(chatBody(SLOW_MODEL, false))).text()).toBe(COMPLETION_JSON);
  });

  test("a held stream sends its role chunk and a token, then stops when the client leaves", async () => {
    const res = await post(chatBody(HOLD_MODEL, true));
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("tok0")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toContain('"role":"assistant"');
    await reader.cancel();
  });

  test("non-streaming answers the fixed completion", async () => {
    const res = await post(chatBody(BENCH_MODEL, false));
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.text()).toBe(COMPLETION_JSON);
  });

  for (const model of [BENCH_MODEL, PACED_MODEL, FIRST_TOKEN_MODEL]) {
    test(`${model} streams role, N content chunks, finish, [DONE]`, async () => {
      const res = await post(chatBody(model, true));
      expect(res.headers.get("content-type")).toContain("text/event-stream");
      const data = await events(res);
      expect(data).toHaveLength(4 + 3);
      expect(data.at(-1)).toBe("[DONE]");
      const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
      expect(chunks[0].choices[0].delta.role).toBe("assistant");
      expect(chunks.slice(1, 5).map((c) => c.choices[0].delta.content)).toEqual(["tok0 ", "tok1 ", "tok2 ", "tok3 "]);
      expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
    });
  }

  test("unknown paths are 404", async () => {
    expect((await fetch(`${up.url}/v1/nothing`)).status).toBe(404);
  });
});

describe("timeStream", () => {
  test("first data comes no later than the end of the stream", async () => {
    const t = await timeStream(`${up.url}/v1/chat/completions`, chatBody(PACED_MODEL, true));
    expect(t.firstDataMs).toBeGreaterThan(0);
    expect(t.totalMs).toBeGreaterThanOrEqual(t.firstDataMs);
  });

  test("a non-2xx answer is an error, not a timing", async () => {
    await expect(timeStream(`${up.url}/v1/nothing`, "{}")).rejects.toThrow("404");
  });
});
