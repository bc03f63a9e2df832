// The status page from another machine, in a real browser: a sign-in form first; an admin
// key opens a session whose cookie no script on the page can read; then the page (and its
// live polling of /status.json) works as on the gateway's own machine. "Another machine" is
// stood in for by a trusted proxy's X-Forwarded-For, so all traffic stays on loopback.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import type { ClientKey, KeyStore } from "../../src/auth/key.ts";

let browser: Browser;
let mock: MockUpstream;
let gw: TestGateway;
const admin: ClientKey = { name: "me", models: null, rpm: null, tpm: null, dailyBudgetUsd: null, admin: true, namespace: "key:me" };
const store: KeyStore = { verify: async (t) => (t === "wf-admin-browser-secret" ? admin : null), any: async () => true, touch() {} };

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"] });
  gw = await startTestGateway(`[server]\ntrusted_proxies = ["127.0.0.1"]\n[health]\ninterval = "1h"\n` + upstreamToml("gpu", mock.url));
  gw.gateway.keys = store;
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await mock?.stop();
});

test("a phone on the LAN signs in with an admin key and gets the live status page; the session cookie is HttpOnly", async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.setExtraHTTPHeaders({ "x-forwarded-for": "192.0.2.77" });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${gw.url}/`);
  await expect(page.locator("form[action='/sign-in']").count()).resolves.toBe(1);
  await expect(page.locator("#upstreams").count()).resolves.toBe(0);
  await page.fill("#key", "not-a-key");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await expect(page.locator(".problem").textContent()).resolves.toContain("not valid");
  await page.fill("#key", "wf-admin-browser-secret");
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  await expect(page.locator("h1").textContent()).resolves.toBe("Wayfront");
  await expect(page.locator("#upstreams tbody tr").count()).resolves.toBe(1);
  // The page's own polling of /status.json carries the session too.
  await page.waitForFunction(() => (document.querySelector("#live")?.textContent ?? "").includes("updated"), undefined, { timeout: 15_000 });
  // No script on the page can read the session.
  await expect(page.evaluate(() => document.cookie)).resolves.toBe("");
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "wf_session")).toMatchObject({ httpOnly: true, sameSite: "Strict" });
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);
