// CORS, CSRF and DNS rebinding in a real browser (Debian's chromium driven by playwright-core):
// a page from an allowed origin calls the API with JSON (the preflight passes, the answer and
// its x-wayfront-* headers are readable); a page from any other origin is blocked, including
// the no-preflight `text/plain` POST, which never reaches the upstream; and a hostile name
// resolving to the gateway gets 421, not the status page.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import type { Server } from "bun";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

/** Chromium resolves this name to the gateway's address: DNS rebinding, without a DNS server. */
const REBOUND = "rebound.example";
let browser: Browser;
let mock: MockUpstream;
let gw: TestGateway;
let allowedSite: Server<undefined>;
let foreignSite: Server<undefined>;

/** A tiny web site on another loopback address: one empty HTML page, any path. */
const site = () =>
  Bun.serve({
    hostname: "127.0.0.2",
    port: 0,
    fetch: () => new Response("<!doctype html><title>a web app</title><p>hello</p>", { headers: { "content-type": "text/html" } }),
  });
const originOf = (s: Server<undefined>) => `http://127.0.0.2:${s.port}`;

beforeAll(async () => {
  allowedSite = site();
  foreignSite = site();
  mock = await startMockUpstream({ models: ["m"] });
  gw = await startTestGateway(
    `[server]\nallowed_origins = ["${originOf(allowedSite)}"]\n[health]\ninterval = "1h"\n` + upstreamToml("gpu", mock.url),
  );
  browser = await launchChromium([`--host-resolver-rules=MAP ${REBOUND} 127.0.0.1`]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await mock?.stop();
  allowedSite?.stop(true);
  foreignSite?.stop(true);
});

const generated = () => mock.requests.filter((r) => r.method === "POST").length;

interface PageCall {
  ok: boolean;
  status?: number;
  object?: string;
  content?: string;
  requestId?: string | null;
  error?: string;
}

/** In the page: the fetch() a web app makes, JSON with a bearer key (a preflighted request). */
async function callFrom(origin: string, contentType = "application/json"): Promise<PageCall> {
  const page = await browser.newPage();
  try {
    await page.goto(origin + "/");
    return await page.evaluate(
      async ([url, type]) => {
        try {
          const r = await fetch(url, {
            method: "POST",
            headers: { "content-type": type, authorization: "Bearer local" },
            body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "from a page" }] }),
          });
          const body = await r.json();
          return {
            ok: true,
            status: r.status,
            object: body.object,
            content: body.choices?.[0]?.message?.content,
            requestId: r.headers.get("x-wayfront-request-id"),
          };
        } catch (e) {
          return { ok: false, error: String(e) };
        }
      },
      [`${gw.v1}/chat/completions`, contentType] as const,
    );
  } finally {
    await page.close();
  }
}

test("a page from an allowed origin POSTs JSON to the API: the preflight passes and the answer is readable", async () => {
  const before = generated();
  const r = await callFrom(originOf(allowedSite));
  expect(r.error).toBeUndefined();
  expect(r.status).toBe(200);
  expect(r.object).toBe("chat.completion");
  expect(typeof r.content).toBe("string");
  // Exposed: CORS hides every other response header from the page.
  expect(r.requestId).toMatch(/^wf-/);
  expect(generated()).toBe(before + 1);
}, 60_000);

test("a page from another origin is blocked, and nothing reaches the upstream", async () => {
  const before = generated();
  const r = await callFrom(originOf(foreignSite));
  expect(r.ok).toBe(false);
  expect(r.error).toContain("TypeError");
  expect(generated()).toBe(before);
}, 60_000);

test("CSRF: the no-preflight text/plain POST (mode no-cors, a form's kind of request) from another origin never reaches the upstream", async () => {
  const before = generated();
  const page = await browser.newPage();
  const seen: number[] = [];
  page.on("response", (res) => {
    if (res.url().includes("/chat/completions")) seen.push(res.status());
  });
  await page.goto(originOf(foreignSite) + "/");
  // What a malicious page can send without any preflight: the browser does send it.
  const sent = await page.evaluate(async (url) => {
    const r = await fetch(url, {
      method: "POST",
      mode: "no-cors",
      headers: { "content-type": "text/plain" },
      body: '{"model":"m","messages":[{"role":"user","content":"csrf"}]}',
    });
    return r.type;
  }, `${gw.v1}/chat/completions`);
  expect(sent).toBe("opaque");
  await page.close();
  expect(seen).toEqual([403]);
  expect(generated()).toBe(before);
}, 60_000);

test("DNS rebinding: a hostile name resolving to the gateway gets 421, not the status page or the API", async () => {
  const page = await browser.newPage();
  const res = await page.goto(`http://${REBOUND}:${gw.port}/`);
  expect(res?.status()).toBe(421);
  expect(await page.locator("h1").count()).toBe(0);
  const json = await page.goto(`http://${REBOUND}:${gw.port}/status.json`);
  expect(json!.status()).toBe(421);
  expect((await json!.json()).error.code).toBe("host_not_allowed");
  // The rebound page's own same-origin call (what the attack needs) is refused too.
  const call = await page.evaluate(async () => (await fetch("/v1/models")).status);
  expect(call).toBe(421);
  await page.close();
}, 60_000);

test("the status page, opened at the gateway's own address, still polls its live figures", async () => {
  const page = await browser.newPage();
  const statuses: number[] = [];
  page.on("response", (res) => {
    // The page re-reads its server-rendered figures (status/page.ts, ?part=live).
    if (res.url().endsWith("?part=live")) statuses.push(res.status());
  });
  await page.goto(gw.url + "/");
  await page.waitForFunction(() => document.querySelector("#live")?.textContent?.includes("updated"), null, { timeout: 15_000 });
  expect(statuses.length).toBeGreaterThan(0);
  expect(statuses.every((s) => s === 200)).toBe(true);
  await page.close();
}, 60_000);
