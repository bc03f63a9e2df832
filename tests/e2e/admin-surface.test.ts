// The admin surface from another machine (stood in for by a trusted proxy's X-Forwarded-For):
// the status figures need an admin key, the page offers a sign-in form whose session cookie
// is HttpOnly and SameSite=Strict; this machine reads everything freely.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";

let mock: MockUpstream;
let gw: TestGateway;
const LAN = { "x-forwarded-for": "192.0.2.60" };
const key = (name: string, admin: boolean): ClientKey => ({
  name,
  models: null,
  rpm: null,
  tpm: null,
  dailyBudgetUsd: null,
  admin,
  namespace: `key:${name}`,
});
const KEYS: Record<string, ClientKey> = { "wf-admin-secret": key("me", true), "wf-user-secret": key("kid", false) };
const store: KeyStore = { verify: async (t) => KEYS[t] ?? null, any: async () => true, touch() {} };

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"] });
  gw = await startTestGateway(`[server]\ntrusted_proxies = ["127.0.0.1"]\n` + upstreamToml("gpu", mock.url, `models = ["m"]`));
  gw.gateway.keys = store;
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

test("this machine reads the page, /status.json and /metrics without a key", async () => {
  for (const path of ["/", "/status", "/status.json", "/metrics"]) expect((await fetch(`${gw.url}${path}`)).status).toBe(200);
});

test("another machine: the figures need an admin key (401 without, 403 with a plain key)", async () => {
  for (const path of ["/status.json", "/metrics"]) {
    const none = await fetch(`${gw.url}${path}`, { headers: LAN });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe("admin_key_required");
    expect((await fetch(`${gw.url}${path}`, { headers: { ...LAN, authorization: "Bearer wf-user-secret" } })).status).toBe(403);
    expect((await fetch(`${gw.url}${path}`, { headers: { ...LAN, authorization: "Bearer wf-admin-secret" } })).status).toBe(200);
  }
});

test("another machine: the page offers a sign-in form; an admin key opens an HttpOnly, SameSite=Strict session", async () => {
  const page = await fetch(`${gw.url}/`, { headers: LAN });
  expect(page.status).toBe(401);
  const html = await page.text();
  expect(html).toContain('action="/sign-in"');
  expect(html).not.toContain("/status.json"); // nothing of the status itself
  const wrong = await fetch(`${gw.url}/sign-in`, {
    method: "POST",
    headers: { ...LAN, "content-type": "application/x-www-form-urlencoded" },
    body: "key=wf-user-secret",
    redirect: "manual",
  });
  expect(wrong.status).toBe(403);
  expect(wrong.headers.get("set-cookie")).toBeNull();
  const ok = await fetch(`${gw.url}/sign-in`, {
    method: "POST",
    headers: { ...LAN, "content-type": "application/x-www-form-urlencoded" },
    body: "key=wf-admin-secret",
    redirect: "manual",
  });
  expect(ok.status).toBe(303);
  const cookie = ok.headers.get("set-cookie")!;
  expect(cookie).toContain("HttpOnly");
  expect(cookie).toContain("SameSite=Strict");
  expect(cookie).not.toContain("wf-admin-secret");
  const session = cookie.split(";")[0];
  const signedIn = await fetch(`${gw.url}/`, { headers: { ...LAN, cookie: session } });
  expect(signedIn.status).toBe(200);
  expect(await signedIn.text()).toContain("/status.json");
  expect((await fetch(`${gw.url}/status.json`, { headers: { ...LAN, cookie: session } })).status).toBe(200);
  expect((await fetch(`${gw.url}/status.json`, { headers: { ...LAN, cookie: "wf_session=forged" } })).status).toBe(401);
});
