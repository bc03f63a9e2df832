// attemptTargets in-process: every upstream's fetch is a fake that records what it was sent,
// and time is a FakeClock, so failover, timeouts, deadlines, breakers and busy policies run
// with no ports and no real waits. Tests synchronise on promises and on clock.advance().
import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";
import { Health } from "../../../src/upstream/health.ts";
import { gatewayMetrics } from "../../../src/status/gateway-metrics.ts";
import { resolveRoute } from "../../../src/router/resolve.ts";
import { attemptTargets, type Attempted, type Served } from "../../../src/router/attempt.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import { FakeClock, flush } from "../../helpers/fake-clock.ts";
import type { Abortable } from "../../../src/upstream/abort-line.ts";

const BASE = "http://127.0.0.1:9"; // never dialled: every upstream's fetch is replaced

interface Call {
  upstream: string;
  url: string;
  body: string;
  json: Record<string, any>;
  signal: Abortable;
}
type Reply = (call: Call) => Response | Promise<Response>;

const completion = (model: string) =>
  JSON.stringify({
    id: "c1",
    object: "chat.completion",
    model,
    choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }],
  });
const answer: Reply = (c) => new Response(completion(c.json.model), { headers: { "content-type": "application/json" } });
const fails =
  (status: number, message = "boom", headers: Record<string, string> = {}): Reply =>
  () =>
    new Response(JSON.stringify({ error: { message } }), { status, headers: { "content-type": "application/json", ...headers } });
// Shaped like Bun's fetch error for a closed port.
const refused: Reply = () =>
  Promise.reject(Object.assign(new Error("Unable to connect. Is the computer able to access the url?"), { code: "ECONNREFUSED" }));
// No headers ever: rejects with the abort reason once the request is aborted, as Bun's fetch does.
const hang: Reply = (c) =>
  new Promise((_, reject) => {
    if (c.signal.aborted) reject(c.signal.reason);
    c.signal.addEventListener("abort", () => reject(c.signal.reason), { once: true });
  });

/** An SSE body the test writes into. */
function sseStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const state = { cancelled: false };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const reply: Reply = () => new Response(body, { headers: { "content-type": "text/event-stream" } });
  const send = (data: object) => ctl.enqueue(new TextEncoder().encode(`data: ${JSON.stringify(data)}\n\n`));
  return { reply, send, state };
}
const roleChunk = { object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant" } }] };
const contentChunk = (text: string) => ({ object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: text } }] });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

interface SetupOptions {
  /** Top-level sections; replaces the default [health] (breakers that never open). */
  sections?: string;
  gpu?: string;
  cloud?: string;
  /** Extra [models."…"] aliases; "m" = gpu/m then cloud/big always exists. */
  models?: string;
}

async function setup(o: SetupOptions = {}) {
  const up = (name: string, extra = "") => `[[upstream]]\nname = "${name}"\nbase_url = "${BASE}/${name}/v1"\n${extra}\n`;
  const toml =
    (o.sections ?? `[health]\nfailure_threshold = 100\n`) +
    up("gpu", o.gpu) +
    up("gpu2") +
    up("cloud", `tier = "cloud"\n${o.cloud ?? ""}`) +
    `[models."m"]\ntargets = ["gpu/m", "cloud/big"]\n` +
    (o.models ?? "");
  const clock = new FakeClock();
  const config = resolveConfig(parseConfigText(toml, "test.toml"), "test.toml", {}, { host: "127.0.0.1", port: 0, dataDir: tmpdir() });
  const registry = new Registry(config);
  const health = new Health(config, registry, undefined, { now: clock.now });
  const metrics = gatewayMetrics();
  const calls: Call[] = [];
  const replies = new Map<string, Reply>();
  const waiters: { n: number; resolve: () => void }[] = [];
  for (const s of registry.list) {
    const name = s.config.name;
    s.fetch = async (url, init) => {
      const body = String(init.body);
      const call: Call = { upstream: name, url, body, json: JSON.parse(body), signal: init.signal! };
      calls.push(call);
      for (const w of waiters.filter((w) => calls.length >= w.n)) waiters.splice(waiters.indexOf(w), 1), w.resolve();
      const reply = replies.get(name);
      if (!reply) throw new Error(`test set no reply for ${name}`);
      return reply(call);
    };
  }

  async function send(model: string, opts: { stream?: boolean; bodyText?: string } = {}) {
    const ac = new AbortController();
    const bodyText =
      opts.bodyText ?? JSON.stringify({ model, ...(opts.stream ? { stream: true } : {}), messages: [{ role: "user", content: "hi" }] });
    const route = { ...(await resolveRoute(model, config, registry)), wires: new Map() };
    const input = {
      spec: PROTOCOLS.chat,
      route,
      bodyText,
      body: JSON.parse(bodyText),
      stream: !!opts.stream,
      clientHeaders: new Headers(),
      signal: ac.signal,
      startedAt: clock.now(),
    };
    const result = attemptTargets(input, { config, registry, health, metrics, clock });
    let settled = false;
    result.then(
      () => (settled = true),
      () => (settled = true),
    );
    return { result, abort: () => ac.abort(), done: () => settled };
  }

  return {
    clock,
    health,
    calls,
    send,
    run: async (model: string, opts?: { stream?: boolean; bodyText?: string }) => (await send(model, opts)).result,
    on: (name: string, reply: Reply) => void replies.set(name, reply),
    callsTo: (name: string) => calls.filter((c) => c.upstream === name),
    waitCalls: (n: number) => (calls.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }))),
    breaker: (name: string) => health.get(name).breaker,
    admission: (name: string) => health.get(name).admission,
    count(metric: string, labels: Record<string, string>): number {
      const series = (metrics.registry.snapshot()[metric]?.series ?? []) as { labels: Record<string, string>; value: number }[];
      return series.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    },
  };
}

function served(r: Attempted): Served {
  if (!r.ok) throw new Error(`expected an answer, got ${r.error.code}: ${r.error.message}`);
  return r.served;
}
function failed(r: Attempted) {
  if (r.ok) throw new Error(`expected an error, but ${r.served.upstream.config.name} served`);
  return r;
}
const who = (r: Attempted) => served(r).upstream.config.name;

describe("failover", () => {
  test("connection refused on the first target: the second serves, the failure is named and counted", async () => {
    const env = await setup();
    env.on("gpu", refused);
    env.on("cloud", answer);
    const s = served(await env.run("m"));
    expect(s.upstream.config.name).toBe("cloud");
    expect(s.target).toEqual({ upstream: "cloud", model: "big" });
    expect(s.status).toBe(200);
    expect(s.body).toEqual({ kind: "whole", text: completion("big"), usage: null });
    expect(s.attempts).toBe(2);
    expect(s.failures).toEqual([
      { upstream: "gpu", model: "m", reason: `Upstream \`gpu\` (${BASE}/gpu/v1) is unreachable: connection refused (is the server running?).` },
    ]);
    expect(env.calls.map((c) => c.url)).toEqual([`${BASE}/gpu/v1/chat/completions`, `${BASE}/cloud/v1/chat/completions`]);
    expect(env.count("wayfront_failovers_total", { upstream: "gpu" })).toBe(1);
    expect(env.count("wayfront_upstream_failures_total", { upstream: "gpu", reason: "connect" })).toBe(1);
    expect(env.breaker("gpu").snapshot().consecutiveFailures).toBe(1);
    expect(env.clock.pending()).toBe(0);
  });

  test("a 5xx moves on to the next target", async () => {
    const env = await setup();
    env.on("gpu", fails(500, "gpu exploded"));
    env.on("cloud", answer);
    const s = served(await env.run("m"));
    expect(s.upstream.config.name).toBe("cloud");
    expect(s.failures).toEqual([{ upstream: "gpu", model: "m", reason: "Upstream `gpu` answered 500: gpu exploded" }]);
    expect(env.count("wayfront_upstream_failures_total", { upstream: "gpu", reason: "500" })).toBe(1);
  });

  test("a 400 is terminal: the client gets it and the next target is never called", async () => {
    const env = await setup();
    env.on("gpu", fails(400, "bad field"));
    env.on("cloud", answer);
    const r = failed(await env.run("m"));
    expect(r.error.status).toBe(400);
    expect(r.error.code).toBe("invalid_request");
    expect(r.error.message).toBe("Upstream `gpu` answered 400: bad field");
    expect(r.attempts).toBe(1);
    expect(env.callsTo("cloud")).toHaveLength(0);
    expect(env.breaker("gpu").snapshot().consecutiveFailures).toBe(0);
  });

  test("a 429 with Retry-After moves on and parks the upstream until the clock passes it", async () => {
    const env = await setup();
    env.on("gpu", fails(429, "slow down", { "retry-after": "7" }));
    env.on("cloud", answer);
    expect(who(await env.run("m"))).toBe("cloud");
    const b = env.breaker("gpu");
    expect(b.canAttempt()).toBe(false);
    expect(b.snapshot()).toMatchObject({ consecutiveFailures: 0, coolDownUntil: env.clock.now() + 7000 });
    // While parked, the next request does not even try it.
    expect(who(await env.run("m"))).toBe("cloud");
    expect(env.callsTo("gpu")).toHaveLength(1);
    await env.clock.advance(6999);
    expect(b.canAttempt()).toBe(false);
    await env.clock.advance(1);
    expect(b.canAttempt()).toBe(true);
    env.on("gpu", answer);
    expect(who(await env.run("m"))).toBe("gpu");
  });

  test("max_attempts bounds the fetch calls, and the error names every failure", async () => {
    const env = await setup({
      sections: `[health]\nfailure_threshold = 100\n[routing]\nmax_attempts = 2\n`,
      models: `[models."chain"]\ntargets = ["gpu/m", "gpu2/m2", "cloud/big"]\n`,
    });
    env.on("gpu", fails(500, "gpu down"));
    env.on("gpu2", fails(502, "gpu2 down"));
    env.on("cloud", answer);
    const r = failed(await env.run("chain"));
    expect(env.calls.map((c) => c.upstream)).toEqual(["gpu", "gpu2"]);
    expect(r.attempts).toBe(2);
    expect(r.error.message).toBe("2 attempts failed: Upstream `gpu` answered 500: gpu down Upstream `gpu2` answered 502: gpu2 down");
    expect(r.error.status).toBe(502);
    expect(r.error.code).toBe("upstream_error");
    expect(r.failures.map((f) => f.upstream)).toEqual(["gpu", "gpu2"]);
  });
});

describe("timeouts and the deadline", () => {
  test("first-byte timeout: a hanging target is abandoned when the clock passes first_byte_timeout", async () => {
    const env = await setup({ gpu: `first_byte_timeout = "2s"` });
    env.on("gpu", hang);
    env.on("cloud", answer);
    const r = await env.send("m");
    await env.waitCalls(1);
    await env.clock.advance(1999);
    expect(r.done()).toBe(false);
    expect(env.calls).toHaveLength(1);
    await env.clock.advance(1);
    const s = served(await r.result);
    expect(s.upstream.config.name).toBe("cloud");
    expect(s.failures[0].reason).toBe(`Upstream \`gpu\` (${BASE}/gpu/v1) sent no response within 2000 ms (first_byte_timeout).`);
    expect(env.calls[0].signal.aborted).toBe(true);
    expect((env.calls[0].signal.reason as Error).name).toBe("FirstByteTimeout");
    expect(env.count("wayfront_upstream_failures_total", { upstream: "gpu", reason: "timeout-first-byte" })).toBe(1);
    expect(env.clock.pending()).toBe(0);
  });

  test("first-token timeout: headers and a role-only chunk, then a stall, moves on and aborts the first request", async () => {
    const env = await setup({ gpu: `first_token_timeout = "3s"` });
    const gpu = sseStream();
    gpu.send(roleChunk); // not content: the gate keeps waiting
    const cloud = sseStream();
    cloud.send(contentChunk("hello"));
    env.on("gpu", gpu.reply);
    env.on("cloud", cloud.reply);
    const r = await env.send("m", { stream: true });
    await env.waitCalls(1);
    await env.clock.advance(2999);
    expect(r.done()).toBe(false);
    expect(env.calls).toHaveLength(1);
    await env.clock.advance(1);
    const s = served(await r.result);
    expect(s.upstream.config.name).toBe("cloud");
    expect(s.failures[0].reason).toBe("Upstream `gpu` sent no content within 3000 ms (first_token_timeout).");
    expect(env.calls[0].signal.aborted).toBe(true);
    expect((env.calls[0].signal.reason as DOMException).message).toBe("timeout-first-token");
    expect(gpu.state.cancelled).toBe(true);
    // The chunk the gate read ahead is handed on, not lost.
    if (s.body.kind !== "events") throw new Error("expected events");
    const batch = await s.body.frames.read();
    expect(new TextDecoder().decode(batch!.bytes)).toContain('"content":"hello"');
    // Only the served stream's max_answer_duration timer is left, and it goes with the stream.
    expect(env.clock.pending()).toBe(1);
    s.body.frames.cancel();
    expect(env.clock.pending()).toBe(0);
  });

  test("routing.deadline cutting the first-byte timer short is deadline_exceeded (504), not the upstream's timeout", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 100\n[routing]\ndeadline = "1s"\n`, gpu: `first_byte_timeout = "5s"` });
    env.on("gpu", hang);
    env.on("cloud", answer);
    const r = await env.send("m");
    await env.waitCalls(1);
    await env.clock.advance(1000);
    const e = failed(await r.result);
    expect(e.error.code).toBe("deadline_exceeded");
    expect(e.error.status).toBe(504);
    expect(e.error.message).toBe("No target of `m` answered within the request deadline (routing.deadline).");
    expect(e.attempts).toBe(1);
    expect(env.callsTo("cloud")).toHaveLength(0);
    // Running out of time is not the upstream's fault.
    expect(env.breaker("gpu").snapshot().consecutiveFailures).toBe(0);
  });

  test("after a real first-byte timeout, the deadline cuts the next target's timer short", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 100\n[routing]\ndeadline = "1s"\n`, gpu: `first_byte_timeout = "600ms"` });
    env.on("gpu", hang);
    env.on("cloud", hang);
    const r = await env.send("m");
    await env.clock.advance(600);
    expect(env.calls.map((c) => c.upstream)).toEqual(["gpu", "cloud"]);
    await env.clock.advance(399);
    expect(r.done()).toBe(false);
    await env.clock.advance(1);
    const e = failed(await r.result);
    expect(e.error.code).toBe("deadline_exceeded");
    expect(e.error.status).toBe(504);
    expect(e.attempts).toBe(2);
    expect(e.failures.map((f) => f.reason)).toEqual([
      `Upstream \`gpu\` (${BASE}/gpu/v1) sent no response within 600 ms (first_byte_timeout).`,
      "No target of `m` answered within the request deadline (routing.deadline).",
    ]);
  });

  test("routing.deadline cutting the first-token timer short is deadline_exceeded too", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 100\n[routing]\ndeadline = "1s"\n`, gpu: `first_token_timeout = "5s"` });
    const gpu = sseStream();
    gpu.send(roleChunk);
    env.on("gpu", gpu.reply);
    env.on("cloud", answer);
    const r = await env.send("m", { stream: true });
    await env.waitCalls(1);
    await env.clock.advance(1000);
    const e = failed(await r.result);
    expect(e.error.code).toBe("deadline_exceeded");
    expect(e.error.status).toBe(504);
    expect(env.callsTo("cloud")).toHaveLength(0);
  });
});

describe("circuit breaker", () => {
  test("after failure_threshold failures the upstream is skipped unfetched; after the cooldown one trial goes through and closes it", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 2\ncooldown = "30s"\n` });
    env.on("gpu", fails(500));
    env.on("cloud", answer);
    expect(who(await env.run("m"))).toBe("cloud");
    expect(who(await env.run("m"))).toBe("cloud");
    const b = env.breaker("gpu");
    expect(b.state()).toBe("open");

    const skipped = served(await env.run("m"));
    expect(skipped.upstream.config.name).toBe("cloud");
    expect(skipped.attempts).toBe(1);
    expect(skipped.failures).toEqual([]);
    expect(env.callsTo("gpu")).toHaveLength(2);
    expect(env.count("wayfront_spillovers_total", { upstream: "gpu" })).toBe(1);

    await env.clock.advance(29_999);
    expect(b.state()).toBe("open");
    await env.clock.advance(1);
    expect(b.state()).toBe("half-open");

    // The trial is in flight: a concurrent request must not become a second trial.
    const gate = deferred<Response>();
    env.on("gpu", () => gate.promise);
    const trial = await env.send("m");
    await env.waitCalls(6); // 2 failures + 1 cloud each, 1 skip → cloud, then the trial
    expect(env.calls.at(-1)!.upstream).toBe("gpu");
    expect(who(await env.run("m"))).toBe("cloud");
    expect(env.callsTo("gpu")).toHaveLength(3);

    gate.resolve(new Response(completion("m"), { headers: { "content-type": "application/json" } }));
    expect(who(await trial.result)).toBe("gpu");
    expect(b.snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 0, trialInFlight: false });
  });
});

describe("busy policies (max_concurrency = 1, its slot held by an unended lease)", () => {
  const busy = {
    gpu: "max_concurrency = 1",
    models:
      `[models."overflow"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "overflow"\n` +
      `[models."wait"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "wait"\nmax_queue_ms = 50\n` +
      `[models."queue"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "queue"\n`,
  };
  async function occupied() {
    const env = await setup(busy);
    env.on("gpu", answer);
    env.on("cloud", answer);
    const holder = served(await env.run("gpu/m"));
    expect(env.admission("gpu").outstanding()).toBe(1);
    return { env, holder };
  }

  test("overflow: straight to the next target, no waiting", async () => {
    const { env } = await occupied();
    const t0 = env.clock.now();
    const s = served(await env.run("overflow"));
    expect(s.upstream.config.name).toBe("cloud");
    expect(s.attempts).toBe(1);
    expect(env.clock.now()).toBe(t0);
    expect(env.callsTo("gpu")).toHaveLength(1); // only the holder
    expect(env.count("wayfront_spillovers_total", { upstream: "gpu" })).toBe(1);
  });

  test("wait: queues for max_queue_ms, then spills to the next target", async () => {
    const { env } = await occupied();
    const r = await env.send("wait");
    await flush();
    expect(env.admission("gpu").queued()).toBe(1);
    await env.clock.advance(49);
    expect(r.done()).toBe(false);
    expect(env.callsTo("cloud")).toHaveLength(0);
    await env.clock.advance(1);
    expect(who(await r.result)).toBe("cloud");
    expect(env.admission("gpu").queued()).toBe(0);
    expect(env.count("wayfront_spillovers_total", { upstream: "gpu" })).toBe(1);
  });

  test("queue on a single-target route: waits, and is served when the holder's lease ends", async () => {
    const { env, holder } = await occupied();
    const r = await env.send("gpu/m");
    await flush();
    expect(env.admission("gpu").queued()).toBe(1);
    await env.clock.advance(60_000); // well inside first_byte_timeout (5 min), which bounds a queue
    expect(r.done()).toBe(false);
    expect(env.callsTo("gpu")).toHaveLength(1);
    holder.lease.end("ok");
    const s = served(await r.result);
    expect(s.upstream.config.name).toBe("gpu");
    expect(env.callsTo("gpu")).toHaveLength(2);
    expect(env.admission("gpu").outstanding()).toBe(1); // the slot was handed over, not freed
    s.lease.end("ok");
    expect(env.admission("gpu").outstanding()).toBe(0);
  });

  test("a client that aborts while queued leaves the queue: client_closed (499), sent nowhere", async () => {
    const { env } = await occupied();
    const r = await env.send("queue"); // a next target exists: the gone client must not be sent there
    await flush();
    expect(env.admission("gpu").queued()).toBe(1);
    r.abort();
    const e = failed(await r.result);
    expect(e.error.code).toBe("client_closed");
    expect(e.error.status).toBe(499);
    expect(e.attempts).toBe(0);
    expect(env.admission("gpu").queued()).toBe(0);
    expect(env.callsTo("gpu")).toHaveLength(1);
    expect(env.callsTo("cloud")).toHaveLength(0);
    expect(env.clock.pending()).toBe(0);
  });
});

describe("what is sent", () => {
  test("a non-stream body reaches each target byte for byte, only its model rewritten", async () => {
    const env = await setup({ models: `[models."coder"]\ntargets = ["gpu/qwen", "cloud/big"]\n` });
    env.on("gpu", refused);
    env.on("cloud", answer);
    const bodyText = `{"model": "coder",  "messages":[{"role":"user","content":"hi"}], "temperature": 0.50}`;
    const s = served(await env.run("coder", { bodyText }));
    expect(env.calls.map((c) => c.body)).toEqual([bodyText.replace('"coder"', '"qwen"'), bodyText.replace('"coder"', '"big"')]);
    expect(s.prepared).toEqual({ wire: "chat", path: "/chat/completions", body: bodyText.replace('"coder"', '"big"') });
    expect(s.prepared.stripUsage).toBeUndefined();
  });

  test("a streamed chat request asks each target for usage, to be stripped on the way out", async () => {
    const env = await setup();
    env.on("gpu", refused);
    const cloud = sseStream();
    cloud.send(contentChunk("hi"));
    env.on("cloud", cloud.reply);
    const s = served(await env.run("m", { stream: true }));
    expect(env.calls.map((c) => [c.json.model, c.json.stream, c.json.stream_options])).toEqual([
      ["m", true, { include_usage: true }],
      ["big", true, { include_usage: true }],
    ]);
    expect(s.prepared.stripUsage).toBe(true);
    expect(s.body.kind).toBe("events");
  });
});

describe("lease", () => {
  test("the slot stays taken until lease.end, and ending twice frees one slot", async () => {
    const env = await setup({ gpu: "max_concurrency = 2" });
    env.on("gpu", answer);
    const a = served(await env.run("gpu/m"));
    const b = served(await env.run("gpu/m"));
    const adm = env.admission("gpu");
    expect(adm.outstanding()).toBe(2);
    a.lease.end("ok");
    expect(adm.outstanding()).toBe(1);
    a.lease.end("ok");
    expect(adm.outstanding()).toBe(1);
    b.lease.end("cancelled");
    expect(adm.outstanding()).toBe(0);
    expect(env.breaker("gpu").snapshot().consecutiveFailures).toBe(0);
  });

  test('lease.end("error") counts against the breaker, once per lease', async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 2\ncooldown = "30s"\n` });
    env.on("gpu", answer);
    env.on("cloud", answer);
    const first = served(await env.run("gpu/m"));
    first.lease.end("error");
    first.lease.end("error");
    expect(env.breaker("gpu").snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 1 });
    // The broken answer and a following 500 are two consecutive failures: the circuit opens.
    env.on("gpu", fails(500));
    expect(who(await env.run("m"))).toBe("cloud");
    expect(env.breaker("gpu").state()).toBe("open");
    expect(who(await env.run("m"))).toBe("cloud");
    expect(env.callsTo("gpu")).toHaveLength(2);
  });
  test("streams that keep dying after their first token open the circuit: a first token is not yet a success", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 2\ncooldown = "30s"\n` });
    for (let i = 0; i < 2; i++) {
      const up = sseStream();
      env.on("gpu", up.reply);
      const pending = env.run("gpu/m", { stream: true });
      await env.waitCalls(i + 1);
      up.send(contentChunk("partial"));
      const s = served(await pending);
      // The relay saw the upstream die mid-stream.
      s.lease.end("error");
    }
    expect(env.breaker("gpu").state()).toBe("open");
  });

  test("a stream that completes is the success that resets the count", async () => {
    const env = await setup({ sections: `[health]\nfailure_threshold = 2\ncooldown = "30s"\n` });
    const run = async (end: "ok" | "error") => {
      const up = sseStream();
      env.on("gpu", up.reply);
      const pending = env.run("gpu/m", { stream: true });
      await env.waitCalls(env.calls.length + 1);
      up.send(contentChunk("x"));
      served(await pending).lease.end(end);
    };
    await run("error");
    await run("ok");
    await run("error");
    expect(env.breaker("gpu").snapshot()).toMatchObject({ state: "closed", consecutiveFailures: 1 });
  });
});
