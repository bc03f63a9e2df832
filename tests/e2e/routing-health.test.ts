// Circuit breakers (closed → open → half-open → closed), the total deadline, and accounting.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import type { TestGateway } from "../helpers/gateway.ts";
import { startLocalAndCloud, type LocalAndCloud } from "../helpers/local-and-cloud.ts";
import { status, until, upstreamStatus } from "../helpers/wait.ts";

let gpu: MockUpstream;
let gw: TestGateway;
let env: LocalAndCloud;

beforeAll(async () => {
  env = await startLocalAndCloud({
    sections: `[health]\ninterval = "1h"\nfailure_threshold = 2\ncooldown = "300ms"\n[routing]\ndeadline = "400ms"\n`,
    models:
      `[models."coder"]\ntargets = ["gpu/m", "cloud/big"]\nprice_input = 2.0\nprice_output = 8.0\n` +
      `[models."slow"]\ntargets = ["gpu/m+slow-first:3000", "cloud/big+slow-first:3000"]\n`,
  });
  ({ gpu, gw } = env);
});
afterAll(() => env.stop());

const ask = (model: string, stream = false, extra: object = {}) =>
  fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: "one two three" }], ...extra }),
  });

test("circuit: open after N failures (skipped without waiting), half-open after the cool-down, closed on success", async () => {
  gpu.down();
  for (let i = 0; i < 2; i++) {
    const r = await ask("coder");
    expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
    expect(r.headers.get("x-wayfront-attempts")).toBe("2");
  }
  expect(upstreamStatus(await status(gw.url), "gpu").circuit).toBe("open");
  const skipped = await ask("coder");
  expect(skipped.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(skipped.headers.get("x-wayfront-attempts")).toBe("1"); // gpu not even tried
  await gpu.up();
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "gpu").circuit === "half-open",
    "the cool-down to pass",
  );
  const trial = await ask("coder");
  expect(trial.headers.get("x-wayfront-upstream")).toBe("gpu");
  expect(upstreamStatus(await status(gw.url), "gpu").circuit).toBe("closed");
});

test("a failed half-open trial opens the circuit again", async () => {
  gpu.down();
  await ask("coder");
  await ask("coder");
  expect(upstreamStatus(await status(gw.url), "gpu").circuit).toBe("open");
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "gpu").circuit === "half-open",
    "the cool-down to pass",
  );
  const r = await ask("coder"); // the trial fails: still down
  expect(r.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(upstreamStatus(await status(gw.url), "gpu").circuit).toBe("open");
  await gpu.up();
  await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "gpu").circuit === "half-open",
    "the cool-down to pass",
  );
  await ask("coder");
});

test("the total deadline bounds every attempt together", async () => {
  const r = await ask("slow");
  expect(r.status).toBe(504);
  const body = await r.json();
  // The deadline's own error, not a first_byte_timeout the user never hit.
  expect(body.error.code).toBe("deadline_exceeded");
  expect(body.error.message).toContain("routing.deadline");
  expect(body.error.message).not.toContain("first_byte_timeout");
});

test("accounting: usage asked for on streams and stripped again, tokens and spend avoided in /status.json", async () => {
  const before = await status(gw.url);
  const n = gpu.requests.length;
  const res = await ask("coder", true);
  const events = await readSse(res);
  const chunks = events.filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
  expect(chunks.some((c) => c.usage && (c.choices ?? []).length === 0)).toBe(false); // the client didn't ask
  const sent = gpu.requests.slice(n).find((r) => r.path.endsWith("/chat/completions"))!;
  expect(sent.body.stream_options).toEqual({ include_usage: true });
  // A client that asks for usage gets it.
  const withUsage = await readSse(await ask("coder", true, { stream_options: { include_usage: true } }));
  expect(withUsage.some((e) => e.data.includes('"usage"') && e.data.includes('"choices":[]'))).toBe(true);
  await ask("coder"); // non-streamed: usage read from the body
  const after = await until(
    () => status(gw.url),
    (s) => upstreamStatus(s, "gpu").tokens_out > upstreamStatus(before, "gpu").tokens_out,
    "tokens counted",
  );
  const g = upstreamStatus(after, "gpu");
  expect(g.tokens_in).toBeGreaterThan(upstreamStatus(before, "gpu").tokens_in);
  expect(g.requests).toBeGreaterThan(upstreamStatus(before, "gpu").requests);
  expect(g.ttft_avg_ms).not.toBeNull();
  expect(after.totals.cloud_spend_avoided_usd).toBeGreaterThan(before.totals.cloud_spend_avoided_usd);
  const prom = await (await fetch(gw.url + "/metrics")).text();
  expect(prom).toContain('wayfront_tokens_total{upstream="gpu",direction="out"}');
  expect(prom).toContain("wayfront_time_to_first_token_seconds_bucket");
});

test("/metrics has gauges for reachability, circuit state, in-flight and queued requests, the cache and cloud spend", async () => {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  for (const name of [
    "wayfront_upstream_reachable",
    "wayfront_upstream_circuit_state",
    "wayfront_upstream_in_flight",
    "wayfront_upstream_queued",
    "wayfront_cache_entries",
    "wayfront_cache_bytes",
    "wayfront_cache_hits",
    "wayfront_cache_misses",
    "wayfront_cloud_spend_today_usd",
  ]) {
    expect(text).toContain(`# TYPE ${name} gauge`);
  }
  expect(text).toMatch(/^wayfront_upstream_circuit_state\{upstream="gpu"\} [012]$/m);
  expect(text).toMatch(/^wayfront_upstream_in_flight\{upstream="gpu"\} 0$/m);
  expect(text).toMatch(/^wayfront_upstream_reachable\{upstream="gpu"\} [01]$/m);
  expect(text).toMatch(/^wayfront_cache_entries \d+$/m);
  // The whole page parses as text exposition 0.0.4: every line a HELP, a TYPE or a sample of a
  // declared metric, label values quoted and escaped, and each metric's TYPE before its samples.
  expect(text.endsWith("\n")).toBe(true);
  const typed = new Map<string, string>();
  for (const line of text.slice(0, -1).split("\n")) {
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$/.exec(line);
    if (t) {
      expect(typed.has(t[1])).toBe(false);
      typed.set(t[1], t[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(m, `not an exposition line: ${line}`).not.toBeNull();
    const base = m![1].replace(/_(bucket|sum|count)$/, "");
    expect(typed.has(m![1]) || typed.get(base) === "histogram", `a sample before its TYPE: ${line}`).toBe(true);
  }
});
