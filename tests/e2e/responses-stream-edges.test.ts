// Streamed Responses on chat-only upstreams, at the edges: an upstream slower than the
// heartbeat (the stream is committed before a target answers, and the dropped-tool warning
// must still reach the client), and an upstream that ignores `stream: true` and answers
// with one JSON completion (which must become the Responses event sequence, not raw JSON).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SseParser } from "../../src/protocol/sse.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { validEvents } from "../helpers/responses-events.ts";

const FAST_HEARTBEAT = `[server]\nheartbeat = "50ms"\n\n`;
const KEEP_ALIVE = ": wayfront keep-alive\n\n";
const TOOLS = [
  { type: "web_search" },
  { type: "function", name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
];

/** Every event, checked against the schemas, with sequence numbers counting from 0. */
function eventsOf(raw: string): any[] {
  return validEvents(new SseParser().push(raw + "\n\n"));
}

const types = (events: any[]) => events.map((e) => e.type);

async function post(gw: TestGateway, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${gw.v1}/responses`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("an upstream slower than the heartbeat", () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstream({ flavour: "llamacpp", models: ["test-model"], wire: ["chat"] });
    gw = await startTestGateway(FAST_HEARTBEAT + upstreamToml("local", mock.url));
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
  });

  test("the early-committed stream carries the dropped-tool warning as a header and an SSE comment", async () => {
    const res = await post(gw, { model: "local/test-model+slow-first:600", input: "slow weather", tools: TOOLS, stream: true, store: false });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-wayfront-warning")).toContain('tool "web_search" was dropped');
    const raw = await res.text();
    // The stream was committed before the upstream answered: it opens with a keep-alive.
    expect(raw.startsWith(KEEP_ALIVE)).toBe(true);
    const comment = raw.split("\n").find((l) => l.startsWith(": x-wayfront-warning: "));
    expect(comment).toContain('tool "web_search" was dropped');
    // The comment precedes the first event, and no event type was invented for it.
    expect(raw.indexOf(comment!)).toBeLessThan(raw.indexOf("event: response.created"));
    const events = eventsOf(raw);
    expect(types(events)[0]).toBe("response.created");
    expect(types(events).at(-1)).toBe("response.completed");
    expect(events.at(-1).response.output[0].content[0].text).toBe("Echo: slow weather");
  });

  test("a request that drops nothing gets no warning, early or not", async () => {
    const res = await post(gw, { model: "local/test-model+slow-first:300", input: "no tools", stream: true, store: false });
    expect(res.headers.get("x-wayfront-warning")).toBeNull();
    const raw = await res.text();
    expect(raw).not.toContain("x-wayfront-warning");
    expect(types(eventsOf(raw)).at(-1)).toBe("response.completed");
  });

  test("a fast answer has the header and the comment too", async () => {
    const res = await post(gw, { model: "local/test-model", input: "fast weather", tools: TOOLS, stream: true, store: false });
    expect(res.headers.get("x-wayfront-warning")).toContain('tool "web_search" was dropped');
    const raw = await res.text();
    expect(raw).toContain(': x-wayfront-warning: tool "web_search" was dropped');
    expect(types(eventsOf(raw)).at(-1)).toBe("response.completed");
  });
});

describe("cache hits on a chat-only route", () => {
  let mock: MockUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstream({ models: ["test-model"], wire: ["chat"] });
    gw = await startTestGateway(upstreamToml("local", mock.url));
  });
  afterAll(async () => {
    await gw.stop();
    await mock.stop();
  });

  test("a replayed answer carries the dropped-tool warning like the fresh one", async () => {
    const body = { model: "test-model", input: "cached weather", tools: TOOLS, temperature: 0, store: false };
    const first = await post(gw, body);
    await first.json();
    expect(first.headers.get("x-wayfront-warning")).toContain('tool "web_search" was dropped');
    const again = await post(gw, body);
    expect((await again.json()).output[0].content[0].text).toBe("Echo: cached weather");
    expect(again.headers.get("x-wayfront-cache")).toBe("HIT");
    expect(again.headers.get("x-wayfront-warning")).toContain('tool "web_search" was dropped');
    expect(mock.requests.filter((r) => r.path === "/v1/chat/completions")).toHaveLength(1);
  });
});

describe("a chat-only upstream that answers stream requests with JSON", () => {
  let gw: TestGateway;
  let server: ReturnType<typeof Bun.serve>;
  let gate: { wait: Promise<void>; open: () => void } | null = null;
  const chatBodies: any[] = [];

  beforeAll(async () => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const path = new URL(req.url).pathname;
        if (req.method === "GET" && path === "/v1/models") return Response.json({ object: "list", data: [{ id: "json-model", object: "model" }] });
        if (path !== "/v1/chat/completions") return Response.json({ error: { message: "Not found" } }, { status: 404 });
        const body = await req.json();
        chatBodies.push(body);
        const prompt = body.messages.at(-1).content as string;
        if (prompt.startsWith("gated")) await gate!.wait;
        if (prompt === "fail please") return Response.json({ error: { message: "model crashed", type: "server_error" } });
        const content = `JSON: ${prompt}`;
        // A whole completion with 200 and application/json, whatever `stream` said.
        return Response.json({
          id: "chatcmpl-1",
          object: "chat.completion",
          created: 1,
          model: body.model,
          choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
          usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
        });
      },
    });
    gw = await startTestGateway(FAST_HEARTBEAT + upstreamToml("jsononly", `http://127.0.0.1:${server.port}/v1`));
  });
  afterAll(async () => {
    await gw.stop();
    server.stop(true);
  });

  test("the JSON completion becomes the full Responses event stream", async () => {
    const res = await post(gw, { model: "json-model", input: "hello json", stream: true, store: false });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const raw = await res.text();
    expect(raw).not.toContain("chatcmpl-1");
    const events = eventsOf(raw);
    expect(types(events)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    const done = events.at(-1).response;
    expect(done.output[0].content[0].text).toBe("JSON: hello json");
    expect(done.usage).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
    expect(chatBodies.at(-1).stream).toBe(true);
  });

  test("also when the stream was committed before the upstream answered", async () => {
    let open!: () => void;
    gate = { wait: new Promise<void>((r) => (open = r)), open };
    // fetch resolves on the gateway's headers, which the upstream (held at the gate) cannot
    // have sent: this is the early path.
    const res = await post(gw, { model: "json-model", input: "gated answer", stream: true, store: false });
    expect(res.status).toBe(200);
    gate.open();
    const raw = await res.text();
    expect(raw.startsWith(KEEP_ALIVE)).toBe(true);
    const events = eventsOf(raw);
    expect(types(events).at(-1)).toBe("response.completed");
    expect(events.at(-1).response.output[0].content[0].text).toBe("JSON: gated answer");
  });

  test("a JSON error with status 200 is the upstream failing: a 502 that names it and quotes what it sent", async () => {
    // Before the stream is committed nothing has reached the client, so it gets a proper
    // HTTP error (and another target, had there been one, would have been tried).
    const res = await post(gw, { model: "json-model", input: "fail please", stream: true, store: false });
    expect(res.status).toBe(502);
    const body = await res.json();
    expect(body.error.code).toBe("bad_upstream_answer");
    expect(body.error.message).toContain("an error object");
    expect(body.error.message).toContain("model crashed");
  });

  test("a stored answer made from JSON can be fetched back", async () => {
    const res = await post(gw, { model: "json-model", input: "remember json", stream: true });
    const id = eventsOf(await res.text()).at(-1).response.id;
    const got = await fetch(`${gw.v1}/responses/${id}`);
    expect((await got.json()).output[0].content[0].text).toBe("JSON: remember json");
  });
});
