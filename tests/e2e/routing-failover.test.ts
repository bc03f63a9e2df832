// Failover before the first byte: every failure class moves the request to the next target;
// the client sees one clean answer naming who served it and how many tries it took.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { readSse } from "../mock/sse-reader.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { status, upstreamStatus } from "../helpers/wait.ts";

let gpu: MockUpstream;
let gpu2: MockUpstream;
let cloud: MockUpstream;
let gw: TestGateway;

const alias = (name: string, first: string, extra = "") => `[models."${name}"]\ntargets = ["${first}", "cloud/big"]\n${extra}\n`;

beforeAll(async () => {
  gpu = await startMockUpstream({ flavour: "ollama", models: ["m"] });
  gpu2 = await startMockUpstream({ flavour: "vllm", models: ["m"] });
  cloud = await startMockUpstream({ models: ["big"], apiKey: "sk-cloud" });
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\nfailure_threshold = 100\n[routing]\nmax_attempts = 3\n` +
      upstreamToml("gpu", gpu.url, `first_byte_timeout = "300ms"\nfirst_token_timeout = "300ms"`) +
      upstreamToml("gpu2", gpu2.url) +
      upstreamToml("dead", "http://127.0.0.1:9/v1", `models = ["m"]`) +
      upstreamToml("tls", gpu.url.replace("http://", "https://"), `models = ["m"]`) +
      upstreamToml("cloud", cloud.url, `tier = "cloud"\napi_key_env = "CLOUD_KEY"`) +
      alias("refused", "dead/m") +
      alias("tls-error", "tls/m") +
      alias("server-error", "gpu/m+error:500") +
      alias("bad-request", "gpu/m+error:400") +
      alias("slow-headers", "gpu/m+slow-first:5000") +
      alias("stall", "gpu/m+stall-after-role:5000") +
      alias("limited", "gpu/m+error:429+retry-after:60") +
      alias("healthy", "gpu/m") +
      alias("cloud-first", "gpu/m", `prefer = "cloud"`) +
      `[models."chain"]\ntargets = ["dead/m", "gpu2/m+error:503", "gpu2/m+error:502", "cloud/big"]\n`,
    { env: { CLOUD_KEY: "sk-cloud" } },
  );
});
afterAll(async () => {
  await gw.stop();
  await gpu.stop();
  await gpu2.stop();
  await cloud.stop();
});

const client = () => new OpenAI({ baseURL: gw.v1, apiKey: "x", maxRetries: 0 });

async function ask(model: string, stream = false) {
  const res = await fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, stream, messages: [{ role: "user", content: `hi ${model}` }] }),
  });
  return res;
}

test("connection refused → the next target serves, in one clean answer", async () => {
  const res = await ask("refused");
  expect(res.status).toBe(200);
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(res.headers.get("x-wayfront-attempts")).toBe("2");
  expect((await res.json()).choices[0].message.content).toContain("hi refused");
  // The failover is one log line naming the target and why; the request's line carries it too.
  const lines = gw.logs.map((l) => JSON.parse(l));
  const failover = lines.find((l) => l.msg === "failover" && l.target === "dead/m");
  expect(failover?.reason).toContain("unreachable");
  const request = lines.findLast((l) => l.msg === "request" && l.route === "refused");
  expect(request.failures).toHaveLength(1);
  expect(request.failures[0]).toMatch(/^dead\/m: .*unreachable/);
});

test("a TLS error (https to a plain-HTTP port) → next target", async () => {
  const res = await ask("tls-error");
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(res.headers.get("x-wayfront-attempts")).toBe("2");
});

test("5xx → next target", async () => {
  const res = await ask("server-error");
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(res.headers.get("x-wayfront-attempts")).toBe("2");
});

test("a 400 is the request's fault: terminal, the cloud is never asked", async () => {
  const before = cloud.requests.length;
  const res = await ask("bad-request");
  expect(res.status).toBe(400);
  expect(cloud.requests.length).toBe(before);
});

test("no first byte within first_byte_timeout → next target, streamed and not", async () => {
  const res = await ask("slow-headers");
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  const s = await ask("slow-headers", true);
  const events = await readSse(s);
  expect(events.at(-1)!.data).toBe("[DONE]");
  expect(events.map((e) => e.data).join("")).toContain("hi");
});

test("headers and a role chunk, then a stall: nothing of it reaches the client, the cloud answers", async () => {
  const s = await ask("stall", true);
  expect(s.headers.get("x-wayfront-upstream")).toBe("cloud");
  const events = (await readSse(s)).filter((e) => e.data !== "[DONE]").map((e) => JSON.parse(e.data));
  const roles = events.filter((c) => c.choices?.[0]?.delta?.role);
  expect(roles).toHaveLength(1); // one answer, one role chunk: the stalled one was held back
  expect(events.every((c) => c.system_fingerprint !== "fp_ollama")).toBe(true);
  const text = events.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
  expect(text).toContain("hi stall");
});

test("429 with Retry-After: next target, and that upstream cools down for that long", async () => {
  const res = await ask("limited");
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  const st = upstreamStatus(await status(gw.url), "gpu");
  expect(st.circuit).toBe("open"); // cooling down: skipped without trying
  const before = gpu.requests.length;
  const again = await ask("healthy");
  expect(again.headers.get("x-wayfront-upstream")).toBe("cloud");
  expect(again.headers.get("x-wayfront-attempts")).toBe("1");
  expect(gpu.requests.length).toBe(before);
});

test("attempts are bounded by routing.max_attempts, and the error names every failure", async () => {
  const res = await ask("chain");
  expect(res.status).toBeGreaterThanOrEqual(500);
  const body = await res.json();
  expect(body.error.message).toContain("3 attempts failed");
  expect(body.error.message).toContain("`dead`");
  expect(body.error.message).toContain("`gpu2` answered 503");
  expect(body.error.message).toContain("`gpu2` answered 502");
});

test("prefer = cloud flips the order; x-wayfront-route restricts one request to a tier", async () => {
  const res = await ask("cloud-first");
  expect(res.headers.get("x-wayfront-upstream")).toBe("cloud");
  const local = await fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wayfront-route": "local" },
    body: JSON.stringify({ model: "refused", messages: [{ role: "user", content: "x" }] }),
  });
  // The only local target is down and the cloud is excluded: a clear error, not the cloud.
  expect(local.status).toBe(502);
  expect((await local.json()).error.message).toContain("`dead`");
  const bad = await fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-wayfront-route": "moon" },
    body: JSON.stringify({ model: "healthy", messages: [{ role: "user", content: "x" }] }),
  });
  expect(bad.status).toBe(400);
});

test("the SDK sees the served answer and the failover count", async () => {
  const { data, response } = await client()
    .chat.completions.create({ model: "refused", messages: [{ role: "user", content: "sdk" }] })
    .withResponse();
  expect(data.choices[0].message.content).toContain("sdk");
  expect(response.headers.get("x-wayfront-attempts")).toBe("2");
  const s = await status(gw.url);
  expect(upstreamStatus(s, "dead").failures).toBeGreaterThan(0);
  expect(s.totals.failovers).toBeGreaterThan(0);
});
