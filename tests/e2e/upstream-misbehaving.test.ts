// Upstreams that misbehave after their headers, or answer 2xx with something that is not an
// answer: the client always gets a bounded, honest result (a clean failover, a 502 that names
// the upstream, or the protocol's terminal event), the slot is given back, the log line says
// what happened, and nothing broken is cached.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startMisbehaving, type Misbehaving } from "../mock/misbehaving.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

const KEY = "sk-misbehaving-SECRET-0123456789";
let bad: Misbehaving;
let good: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  bad = startMisbehaving();
  good = await startMockUpstream({ models: ["m"] });
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\nfailure_threshold = 1000\n[routing]\nmax_attempts = 3\n` +
      upstreamToml(
        "bad",
        bad.url,
        `api_key_env = "BAD_KEY"\nidle_timeout = "300ms"\nmax_answer_duration = "1500ms"\nmax_answer_bytes = 200000\nfirst_token_timeout = "2s"`,
      ) +
      upstreamToml("good", good.url, `models = ["m"]`) +
      `[models."html-then-good"]\ntargets = ["bad/html200", "good/m"]\n` +
      `[models."redirect-then-good"]\ntargets = ["bad/redirect302", "good/m"]\n` +
      `[models."silent-then-good"]\ntargets = ["bad/silent-after-headers", "good/m"]\n`,
    { env: { BAD_KEY: KEY } },
  );
});
afterAll(async () => {
  await gw.stop();
  await good.stop();
  await bad.stop();
});

const post = (body: Record<string, unknown>) =>
  fetch(`${gw.v1}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const ask = (model: string, extra: Record<string, unknown> = {}) => post({ model, messages: [{ role: "user", content: "hi" }], ...extra });
const badCalls = (model: string) => bad.requests.filter((r) => r.model === model).length;
/** The slot is given back: nothing in flight on the misbehaving upstream. */
const slotFree = () =>
  until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "bad").outstanding === 0,
    "the slot to be released",
  );
const logOf = (model: string) => gw.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "request" && String(l.model).endsWith(model));

describe("2xx that is not an answer", () => {
  for (const model of ["html200", "badjson200", "error200"]) {
    test(`${model}: a 502 that names the upstream and quotes what it sent, never a 200`, async () => {
      const r = await ask(`bad/${model}`);
      expect(r.status).toBe(502);
      const body = await r.json();
      expect(body.error.code).toBe("bad_upstream_answer");
      expect(body.error.message).toContain("`bad`");
      expect(body.error.type).toBe("server_error");
      await slotFree();
    });
  }

  test("a target that answers garbage is failed over like any failure", async () => {
    const r = await ask("html-then-good");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-wayfront-upstream")).toBe("good");
    expect(r.headers.get("x-wayfront-attempts")).toBe("2");
  });

  test("a redirect is not followed and not relayed: the next target serves", async () => {
    const r = await ask("redirect-then-good");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-wayfront-upstream")).toBe("good");
    const direct = await ask("bad/redirect302");
    expect(direct.status).toBe(502);
    expect((await direct.json()).error.code).toBe("upstream_redirect");
  });
});

describe("every wait after the headers is bounded", () => {
  test("headers, then silence: cut at idle_timeout, the next target serves", async () => {
    const r = await ask("silent-then-good");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-wayfront-upstream")).toBe("good");
    await bad.aborted("silent-after-headers");
    await slotFree();
  });

  test("a JSON body that trickles a byte at a time: cut at max_answer_duration", async () => {
    // Its own gateway: silence between bytes stays far under idle_timeout, so only the whole
    // answer's duration can cut it.
    const g = await startTestGateway(upstreamToml("bad", bad.url, `idle_timeout = "10s"\nmax_answer_duration = "800ms"`));
    try {
      const r = await fetch(`${g.v1}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "bad/trickle-json", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(r.status).toBe(504);
      expect((await r.json()).error.message).toContain("max_answer_duration");
      await bad.aborted("trickle-json");
      await until(
        () => status(g.url),
        (s) => upstreamStatus(s, "bad").outstanding === 0,
        "the slot to be released",
      );
    } finally {
      await g.stop();
    }
  });

  test("a 500 whose body never ends: its status still comes through, bounded", async () => {
    const r = await ask("bad/endless-500");
    expect(r.status).toBe(500);
    expect((await r.json()).error.message).toContain("`bad`");
    await slotFree();
  });

  test("a stream that stalls after its first token ends with the terminal error event", async () => {
    const r = await ask("bad/stall-after-token", { stream: true });
    expect(r.status).toBe(200);
    const events = await readSse(r);
    const last = JSON.parse(events.at(-1)!.data);
    expect(last.error.code).toBe("stream_interrupted");
    expect(last.error.message).toContain("idle_timeout");
    await bad.aborted("stall-after-token");
    await slotFree();
    await until(
      () => logOf("stall-after-token"),
      (ls) => ls.length > 0,
      "the log line",
    );
    expect(logOf("stall-after-token").at(-1).error).toContain("idle_timeout");
  });

  test("a stream that never ends is cut at max_answer_duration (or max_answer_bytes)", async () => {
    const r = await ask("bad/never-ends", { stream: true });
    const events = await readSse(r);
    expect(JSON.parse(events.at(-1)!.data).error.message).toMatch(/max_answer_duration|max_answer_bytes/);
    await bad.aborted("never-ends");
    await slotFree();
  });
});

test("a client that stops reading: the answer is still cut at max_answer_duration and the slot given back", async () => {
  const g = await startTestGateway(upstreamToml("bad", bad.url, `max_answer_duration = "800ms"\nmax_answer_bytes = "1GiB"`));
  try {
    const r = await fetch(`${g.v1}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bad/firehose", stream: true, messages: [{ role: "user", content: "flood" }] }),
    });
    expect(r.status).toBe(200);
    // Never read: the socket's buffers fill and the gateway stops pulling from the upstream.
    await bad.aborted("firehose");
    await until(
      () => status(g.url),
      (s) => upstreamStatus(s, "bad").outstanding === 0,
      "the slot to be released",
    );
    await r.body?.cancel();
  } finally {
    await g.stop();
  }
});

describe("streams framed and ended correctly", () => {
  test("CRLF framing (sse-starlette's default) comes through whole, usage stripped as asked", async () => {
    const r = await ask("bad/crlf", { stream: true });
    const events = await readSse(r);
    const text = events
      .filter((e) => e.data !== "[DONE]")
      .map((e) => JSON.parse(e.data).choices[0]?.delta?.content ?? "")
      .join("");
    expect(text).toBe("Hello CRLF");
    expect(events.at(-1)!.data).toBe("[DONE]");
    // The gateway asked for usage; the client did not: the usage chunk is not relayed.
    expect(events.some((e) => e.data.includes('"usage"'))).toBe(false);
  });

  test("a stream that closes without finish_reason or [DONE] died: terminal event, counted, never cached", async () => {
    for (let i = 0; i < 2; i++) {
      const r = await ask("bad/no-end", { stream: true, temperature: 0 });
      expect(r.headers.get("x-wayfront-cache")).toBe("MISS");
      const events = await readSse(r);
      expect(JSON.parse(events.at(-1)!.data).error.code).toBe("stream_interrupted");
    }
    expect(badCalls("no-end")).toBe(2);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/wayfront_requests_total\{upstream="bad",outcome="error"\} [1-9]/);
  });
});

describe("what is not the upstream's to say", () => {
  test("our key echoed back in a 200 is redacted, and so is the cached copy", async () => {
    const first = await ask("bad/echo-key", { temperature: 0 });
    const text = await first.text();
    expect(text).not.toContain(KEY);
    expect(text).toContain("[redacted]");
    const second = await ask("bad/echo-key", { temperature: 0 });
    expect(second.headers.get("x-wayfront-cache")).toBe("HIT");
    expect(await second.text()).not.toContain(KEY);
  });

  test("our key echoed mid-stream is redacted", async () => {
    const r = await ask("bad/echo-key-stream", { stream: true });
    const raw = await r.text();
    expect(raw).not.toContain(KEY);
    expect(raw).toContain("[redacted]");
  });

  test("an upstream cannot set our headers, CORS or cookies; its request id passes", async () => {
    const r = await ask("bad/evil-headers");
    expect(r.status).toBe(200);
    expect(r.headers.get("x-wayfront-warning")).toBeNull();
    expect(r.headers.get("access-control-allow-origin")).toBeNull();
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.headers.get("x-request-id")).toBe("up-1");
    expect(r.headers.get("x-wayfront-upstream")).toBe("bad");
  });
});

test("a stream still open when the shutdown's drain is over ends with the terminal error event, not a cut", async () => {
  const g = await startTestGateway(upstreamToml("bad", bad.url));
  const r = await fetch(`${g.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "bad/never-ends", stream: true, messages: [{ role: "user", content: "forever" }] }),
  });
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  let raw = "";
  while (!raw.includes("data:")) raw += decoder.decode((await reader.read()).value);
  const stopped = g.stop(); // no drain time left: what is still open is ended now
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    raw += decoder.decode(value);
  }
  await stopped;
  const last = raw.trimEnd().split("\n\n").at(-1)!;
  expect(last.startsWith("data: ")).toBe(true);
  expect(JSON.parse(last.slice(6)).error.code).toBe("shutting_down");
});
