// Cloud budgets: a cloud answer's cost (configured or list prices, the upstream's reported
// usage) counts against the day; over a budget cloud targets are skipped, local ones still
// serve, and with nothing else left the answer is a 429 naming the budget and its reset.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";

let gpu: MockUpstream;
let cloud: MockUpstream;
let gw: TestGateway;
let kid: TestGateway;

// Priced so that one answer (a few dozen tokens) costs a few cents.
const PRICED = `tier = "cloud"\nmodels = ["big"]\nprice_input = 10000\nprice_output = 10000`;

beforeAll(async () => {
  gpu = await startMockUpstream({ models: ["m"] });
  cloud = await startMockUpstream({ models: ["big"] });
  const upstreams = upstreamToml("gpu", gpu.url, `models = ["m"]`) + upstreamToml("cloud", cloud.url, PRICED);
  gw = await startTestGateway(
    `[budget]\ncloud_daily_usd = 0.01\n` +
      upstreams +
      `[models."cloud-only"]\ntargets = ["cloud/big"]\n` +
      `[models."cloud-first"]\ntargets = ["gpu/m", "cloud/big"]\nprefer = "cloud"\n`,
  );
  // A second gateway with no global budget, for one key's own daily budget.
  kid = await startTestGateway(upstreams + `[models."cloud-only"]\ntargets = ["cloud/big"]\n`);
  const k: ClientKey = { name: "kid", models: null, rpm: null, tpm: null, dailyBudgetUsd: 0.01, admin: false, namespace: "key:kid" };
  const store: KeyStore = { verify: async (t) => (t === "wf-kid-secret" ? k : null), any: async () => true, touch() {} };
  kid.gateway.keys = store;
});
afterAll(async () => {
  await gw.stop();
  await kid.stop();
  await gpu.stop();
  await cloud.stop();
});

const ask = (g: TestGateway, model: string, headers: Record<string, string> = {}) =>
  fetch(`${g.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: `budget ${crypto.randomUUID()}` }] }),
  });

test("under the budget the cloud serves; past it cloud targets are skipped, local still serves, cloud-only is a 429 naming the budget", async () => {
  const first = await ask(gw, "cloud-first");
  expect(first.headers.get("x-wayfront-upstream")).toBe("cloud");
  await first.text();
  const spent = (await (await fetch(`${gw.url}/status.json`)).json()).totals;
  expect(spent.cloud_spend_today_usd).toBeGreaterThan(0.01);
  expect(spent.cloud_daily_budget_usd).toBe(0.01);
  const local = await ask(gw, "cloud-first");
  expect(local.status).toBe(200);
  expect(local.headers.get("x-wayfront-upstream")).toBe("gpu");
  const none = await ask(gw, "cloud-only");
  expect(none.status).toBe(429);
  expect(Number(none.headers.get("retry-after"))).toBeGreaterThan(0);
  const body = await none.json();
  expect(body.error.code).toBe("budget_exceeded");
  expect(body.error.message).toContain("cloud_daily_usd");
  expect(body.error.message).toMatch(/resets at \d{4}-\d\d-\d\dT00:00:00/);
  expect(cloud.requests.filter((r) => r.path.endsWith("/chat/completions")).length).toBe(1);
});

test("a key's own daily budget stops that key's cloud use only", async () => {
  const auth = { authorization: "Bearer wf-kid-secret" };
  expect((await ask(kid, "cloud-only", auth)).status).toBe(200);
  const over = await ask(kid, "cloud-only", auth);
  expect(over.status).toBe(429);
  expect((await over.json()).error.message).toContain("`kid`");
  expect((await ask(kid, "gpu/m", auth)).status).toBe(200);
  // The key's spend is on its row in /status.json and the status page.
  const status = await (await fetch(`${kid.url}/status.json`)).json();
  const row = status.clients.find((c: { name: string }) => c.name === "kid");
  expect(row.cloud_spend_today_usd).toBeGreaterThan(0.01);
  expect(await (await fetch(`${kid.url}/`)).text()).toMatch(/kid<\/td>.*\$0\.0\d<\/td>/s);
});
