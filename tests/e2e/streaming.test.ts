// Streams: bytes pass as they arrive, a client disconnect stops the upstream, heartbeats
// keep a silent stream alive, and a stream that dies mid-way ends with an error event.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { iterSse, readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { until } from "../helpers/wait.ts";

let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], tokenDelayMs: 5 });
  gw = await startTestGateway(`[server]\nheartbeat = "100ms"\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

const chat = (model: string, extra: object = {}) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: "stream please" }], ...extra }),
  });

test("a streamed answer arrives as SSE events in order, ending with [DONE]", async () => {
  const res = await chat("gpu/m+tokens:20");
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events = await readSse(res);
  expect(events.at(-1)!.data).toBe("[DONE]");
  const text = events
    .slice(0, -1)
    .map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? "")
    .join("");
  expect(text.trim().split(/\s+/)).toEqual(Array.from({ length: 20 }, (_, i) => `tok${i}`));
});

test("a client that disconnects aborts the upstream request", async () => {
  const ctl = new AbortController();
  const res = await fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    signal: ctl.signal,
    body: JSON.stringify({ model: "gpu/m+tokens:100000", stream: true, messages: [{ role: "user", content: "long" }] }),
  });
  const aborted = mock.waitForAbort("/chat/completions");
  const reader = res.body!.getReader();
  // The stream is flowing: content has arrived (not only a heartbeat of the early commit).
  for (let seen = ""; !seen.includes("data:"); ) seen += new TextDecoder().decode((await reader.read()).value);
  ctl.abort();
  const rec = await aborted;
  expect(rec.aborted).toBe(true);
  expect(rec.body.model).toBe("m+tokens:100000");
  // …and the request is counted as the client's doing, once.
  await until(
    () => fetch(`${gw.url}/metrics`).then((r) => r.text()),
    (m) => /^wayfront_requests_total\{upstream="gpu",outcome="cancelled"\} 1$/m.test(m),
    "the cancelled request to be counted",
  );
});

test("heartbeats are SSE comments while the upstream is silent before its first byte", async () => {
  // The upstream holds its headers back for a while (a model loading): the gateway commits
  // the stream and sends comments, then relays the answer.
  const res = await chat("gpu/m+slow-first:600");
  expect(res.status).toBe(200);
  const raw = await res.text();
  const firstData = raw.indexOf("data:");
  expect(raw.slice(0, firstData)).toContain(": wayfront keep-alive");
  expect(raw.trimEnd().endsWith("data: [DONE]")).toBe(true);
});

test("heartbeats also flow while an open stream is silent, between events only", async () => {
  const res = await chat("gpu/m+stall-after-role:600");
  const raw = await res.text();
  expect(raw).toContain(": wayfront keep-alive");
  // Every heartbeat sits between whole events.
  for (const block of raw.split("\n\n").filter(Boolean)) {
    expect(block.startsWith(":") || block.startsWith("data:")).toBe(true);
  }
  expect(raw).toContain("Echo: stream please".split(" ")[0]);
});

test("an upstream that dies mid-stream ends the stream with an error event, never half an event", async () => {
  const res = await chat("gpu/m+tokens:50+drop-after:3");
  const events = await readSse(res);
  const last = JSON.parse(events.at(-1)!.data);
  expect(last.error.code).toBe("stream_interrupted");
  expect(last.error.message).toContain("`gpu`");
  for (const e of events.slice(0, -1)) expect(() => JSON.parse(e.data)).not.toThrow();
});

test("the official SDK raises on a stream that died mid-way", async () => {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: "x", maxRetries: 0 });
  const stream = await client.chat.completions.create({
    model: "gpu/m+tokens:50+drop-after:3",
    stream: true,
    messages: [{ role: "user", content: "x" }],
  });
  let text = "";
  const err = await (async () => {
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
  })().then(
    () => null,
    (e) => e,
  );
  expect(err).not.toBeNull();
  expect(String(err.message)).toContain("incomplete");
  expect(text.length).toBeGreaterThan(0);
});

test("an upstream error after the stream was committed arrives as an error event", async () => {
  const res = await chat("gpu/m+slow-first:400+error:500");
  expect(res.status).toBe(200); // committed before the upstream answered
  const events = [];
  for await (const e of iterSse(res)) events.push(e);
  const last = JSON.parse(events.at(-1)!.data);
  expect(last.error.type).toBe("server_error");
  expect(last.error.message).toContain("`gpu`");
});

test("heartbeat = 0 turns heartbeats and the early commit off: a slow upstream's error keeps its status", async () => {
  const g = await startTestGateway(`[server]\nheartbeat = 0\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
  try {
    const res = await fetch(`${g.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpu/m+slow-first:150+error:503", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(503);
    const ok = await fetch(`${g.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpu/m+slow-first:150", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    expect(await ok.text()).not.toContain("keep-alive");
  } finally {
    await g.stop();
  }
});

test("idle sockets are closed after server.idle_timeout, but a request being served may take longer", async () => {
  const g = await startTestGateway(`[server]\nidle_timeout = "1s"\nheartbeat = 0\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
  try {
    // A connection that never sends a request: the gateway hangs up on it.
    const closed = new Promise<void>((resolve) => {
      void Bun.connect({ hostname: "127.0.0.1", port: g.port, socket: { data() {}, close: () => resolve(), error: () => resolve() } });
    });
    // Meanwhile a non-streamed answer that takes longer than the idle timeout still arrives.
    const res = await fetch(`${g.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpu/m+slow-first:2500", messages: [{ role: "user", content: "patience" }] }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).choices[0].message.content).toContain("patience");
    await closed; // Bun checks idle sockets on a coarse timer: seconds, not exactly 1 s
  } finally {
    await g.stop();
  }
}, 30_000);
