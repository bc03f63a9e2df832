// Busy means a policy: overflow, wait and queue under real concurrency, FIFO order, and a
// queued client that leaves takes its place in line with it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MockUpstream } from "../mock/upstream.ts";
import type { TestGateway } from "../helpers/gateway.ts";
import { startLocalAndCloud, type LocalAndCloud } from "../helpers/local-and-cloud.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

let gpu: MockUpstream;
let gw: TestGateway;
let env: LocalAndCloud;

beforeAll(async () => {
  env = await startLocalAndCloud({
    gpu: "max_concurrency = 1",
    models:
      `[models."overflow"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "overflow"\n` +
      `[models."wait-short"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "wait"\nmax_queue_ms = 50\n` +
      `[models."wait-long"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "wait"\nmax_queue_ms = 20000\n` +
      `[models."queue"]\ntargets = ["gpu/m", "cloud/big"]\nbusy = "queue"\n`,
  });
  ({ gpu, gw } = env);
});
afterAll(() => env.stop());

function ask(model: string, text: string, signal?: AbortSignal) {
  return fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    signal,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: text }] }),
  });
}

/** Occupy the GPU's only slot with a request that hangs until we let it go. */
async function occupy() {
  const ctl = new AbortController();
  const pending = ask("gpu/m+hang", "occupier", ctl.signal).catch(() => null);
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "gpu").outstanding === 1,
    "the GPU slot to be taken",
  );
  return {
    async free() {
      ctl.abort();
      await pending;
      await until(
        () => status(gw.url),
        (s) => upstreamStatus(s, "gpu").outstanding === 0,
        "the GPU slot to be freed",
      );
    },
  };
}

const queued = () => status(gw.url).then((s) => upstreamStatus(s, "gpu").queued as number);

test("overflow: local full → straight to the next target", async () => {
  const slot = await occupy();
  const r = await ask("overflow", "x");
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect((await status(gw.url)).totals.spillovers).toBeGreaterThan(0);
  await slot.free();
});

test("wait: holds up to max_queue_ms, then spills to the next target", async () => {
  const slot = await occupy();
  const r = await ask("wait-short", "x");
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  await slot.free();
});

test("wait: served locally when the slot frees in time", async () => {
  const slot = await occupy();
  const pending = ask("wait-long", "patient");
  await until(queued, (n) => n === 1, "the request to queue");
  await slot.free();
  const r = await pending;
  expect(r.headers.get("x-wayfront-upstream")).toBe("gpu");
});

test("queue: waits for the local node, served in arrival order; a client that leaves the queue is never sent", async () => {
  const slot = await occupy();
  const order = ["first", "second", "gone", "third"];
  const ctl = new AbortController();
  const pending: Promise<Response | null>[] = [];
  for (const text of order) {
    pending.push(ask("queue", text, text === "gone" ? ctl.signal : undefined).catch(() => null));
    await until(queued, (n) => n === pending.length, `"${text}" to queue`);
  }
  ctl.abort();
  await until(queued, (n) => n === 3, "the aborted request to leave the queue");
  const before = gpu.requests.length;
  await slot.free();
  const answers = await Promise.all(pending);
  for (const [i, r] of answers.entries()) {
    if (order[i] === "gone") expect(r).toBeNull();
    else expect(r!.headers.get("x-wayfront-upstream")).toBe("gpu");
  }
  const seen = gpu.requests.slice(before).map((r) => r.body?.messages?.[0]?.content);
  expect(seen).toEqual(["first", "second", "third"]);
});

test("load shedding: past max_queue waiters a request is refused at once with 503 and Retry-After", async () => {
  const shed = await startLocalAndCloud({ gpu: "max_concurrency = 1\nmax_queue = 1", models: `[models."local-only"]\ntargets = ["gpu/m"]\n` });
  try {
    const ask1 = (model: string, signal?: AbortSignal) =>
      fetch(`${shed.gw.v1}/chat/completions`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
      });
    const ctl = new AbortController();
    const holder = ask1("gpu/m+hang", ctl.signal).catch(() => null);
    await until(
      () => status(shed.gw.url),
      (s) => upstreamStatus(s, "gpu").outstanding === 1,
      "the slot to be taken",
    );
    const waiter = ask1("local-only");
    await until(
      () => status(shed.gw.url),
      (s) => upstreamStatus(s, "gpu").queued === 1,
      "one request in line",
    );
    // The line is full: the next one is told to come back, at once, not made to wait.
    const refused = await ask1("local-only");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    const body = await refused.json();
    expect(body.error.code).toBe("no_capacity");
    expect(body.error.message).toContain("max_queue");
    const metrics = await (await fetch(`${shed.gw.url}/metrics`)).text();
    expect(metrics).toContain('wayfront_upstream_shed{upstream="gpu"} 1');
    // What was already accepted is still served once the slot frees.
    ctl.abort();
    await holder;
    const served = await waiter;
    expect(served.status).toBe(200);
    expect((await served.json()).choices[0].message.content).toContain("Echo:");
  } finally {
    await shed.stop();
  }
});

test("server.max_upstream_requests: one global line over every upstream, visible in /metrics", async () => {
  const env2 = await startLocalAndCloud({
    sections: `[health]\ninterval = "1h"\n[server]\nmax_upstream_requests = 1\n`,
    models: `[models."cloud-only"]\ntargets = ["cloud/big"]\n`,
  });
  try {
    const ask2 = (model: string, signal?: AbortSignal) =>
      fetch(`${env2.gw.v1}/chat/completions`, {
        method: "POST",
        signal,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model, messages: [{ role: "user", content: "x" }] }),
      });
    const ctl = new AbortController();
    const holder = ask2("gpu/m+hang", ctl.signal).catch(() => null);
    await until(
      () => status(env2.gw.url),
      (s) => upstreamStatus(s, "gpu").outstanding === 1,
      "the local slot to be taken",
    );
    // Another upstream, but the one global slot is taken: it waits in the gateway's line.
    const waiting = ask2("cloud-only");
    const gauge = async () => (await (await fetch(`${env2.gw.url}/metrics`)).text()).match(/^wayfront_upstream_requests_queued (\d+)/m)?.[1];
    await until(gauge, (v) => v === "1", "the cloud request to wait in the global line");
    ctl.abort();
    await holder;
    const served = await waiting;
    expect(served.status).toBe(200);
    expect(served.headers.get("x-wayfront-upstream")).toBe("cloud");
  } finally {
    await env2.stop();
  }
});
