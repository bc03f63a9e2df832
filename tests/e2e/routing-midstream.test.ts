// After the first token there is no silent switch: a stream that dies ends with the API's
// own terminal error (and is not cached), or, with midstream = "continue", carries on
// seamlessly on the next target from where it broke.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { startLocalAndCloud, type LocalAndCloud } from "../helpers/local-and-cloud.ts";
import { status } from "../helpers/wait.ts";

let cloud: MockUpstream;
let gw: TestGateway;
let env: LocalAndCloud;

beforeAll(async () => {
  env = await startLocalAndCloud({
    models:
      `[models."fragile"]\ntargets = ["gpu/m+tokens:12+drop-after:4", "cloud/big"]\n` +
      `[models."resilient"]\ntargets = ["gpu/m+tokens:12+drop-after:4", "cloud/big+tokens:8"]\nmidstream = "continue"\n`,
  });
  ({ cloud, gw } = env);
});
afterAll(() => env.stop());

const stream = (model: string, extra: object = {}) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, temperature: 0, messages: [{ role: "user", content: "write a lot" }], ...extra }),
  });

const content = (events: { data: string }[]) =>
  events
    .filter((e) => e.data !== "[DONE]")
    .map((e) => JSON.parse(e.data).choices?.[0]?.delta?.content ?? "")
    .join("");

test("chat: a stream that dies mid-way ends with a terminal error event, and is never cached", async () => {
  const posts = () => cloud.requests.filter((r) => r.method === "POST").length;
  const before = posts();
  const events = await readSse(await stream("fragile"));
  const last = JSON.parse(events.at(-1)!.data);
  expect(last.error.code).toBe("stream_interrupted");
  expect(content(events)).toBe("tok0 tok1 tok2 tok3 ");
  expect(posts()).toBe(before); // no silent switch after the first token
  const again = await stream("fragile");
  expect(again.headers.get("x-wayfront-cache")).not.toBe("HIT");
  await again.text();
});

test("continue: one seamless answer across the seam, the partial answer sent as an assistant prefix", async () => {
  const client = new OpenAI({ baseURL: gw.v1, apiKey: "x", maxRetries: 0 });
  const s = await client.chat.completions.create({ model: "resilient", stream: true, messages: [{ role: "user", content: "long answer" }] });
  let text = "";
  let roles = 0;
  let finish: string | null = null;
  for await (const c of s) {
    if (c.choices[0]?.delta?.role) roles++;
    text += c.choices[0]?.delta?.content ?? "";
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  expect(roles).toBe(1);
  expect(finish).toBe("stop");
  expect(text.startsWith("tok0 tok1 tok2 tok3 ")).toBe(true);
  expect(text.length).toBeGreaterThan("tok0 tok1 tok2 tok3 ".length);
  const resumed = cloud.requests.at(-1)!;
  expect(resumed.body.model).toBe("big+tokens:8");
  expect(resumed.body.messages.at(-1)).toEqual({ role: "assistant", content: "tok0 tok1 tok2 tok3 " });
  expect((await status(gw.url)).totals.midstream_continuations).toBe(1);
  const seam = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === "midstream continuation");
  expect(seam).toMatchObject({ from: "gpu", to: "cloud", partial_chars: 20 });
});

test("responses: a passed-through stream that dies ends with an `error` event continuing the sequence", async () => {
  const rs = await startMockUpstream({ models: ["r"], wire: ["chat", "responses"] });
  const g = await startTestGateway(upstreamToml("rs", rs.url, `wire = ["chat", "responses"]`));
  try {
    const res = await fetch(`${g.v1}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "rs/r+tokens:10+drop-after:3", stream: true, input: "go" }),
    });
    const events = (await readSse(res)).map((e) => JSON.parse(e.data));
    const last = events.at(-1);
    expect(last.type).toBe("error");
    expect(last.code).toBe("stream_interrupted");
    expect(last.sequence_number).toBe(events.at(-2).sequence_number + 1);
  } finally {
    await g.stop();
    await rs.stop();
  }
});

test("continue: a stitched answer is complete for the client but never cached, and the seam shows in the raw stream", async () => {
  const ask = () => stream("resilient", { messages: [{ role: "user", content: "stitch me" }] });
  const first = await ask();
  expect(first.headers.get("x-wayfront-cache")).toBe("MISS");
  const raw = await first.text();
  expect(raw).toContain(": wayfront midstream continuation gpu → cloud");
  expect(raw.trimEnd().endsWith("data: [DONE]")).toBe(true);
  await env.gw.gateway.cache.store.stats(); // any queued write has landed
  const second = await ask();
  expect(second.headers.get("x-wayfront-cache")).toBe("MISS");
  await second.text();
});
