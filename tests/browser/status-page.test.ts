// The status page in a real browser (Debian's chromium driven by playwright-core): it
// renders, and its figures update live as traffic flows, without a reload.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { launchChromium } from "../helpers/chromium.ts";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";

let browser: Browser;
let mock: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"] });
  // "dead": nothing listens on port 9, so its probe fails with a reason the page must show.
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n` +
      upstreamToml("gpu", mock.url) +
      upstreamToml("dead", "http://127.0.0.1:9/v1") +
      `[models."coder"]\ntargets = ["gpu/m"]\n`,
    { demo: true },
  );
  await gw.gateway.health.probeAll();
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await mock?.stop();
});

test("the page renders every upstream and updates its counters live", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(gw.url + "/");
  await expect(page.locator("h1").textContent()).resolves.toBe("Wayfront");
  await expect(page.locator("#upstreams tbody tr").count()).resolves.toBe(3);
  await expect(page.locator('tr[data-upstream="demo"]').textContent()).resolves.toContain("fake demo model");
  const requests = page.locator('tr[data-upstream="gpu"] [data-field="requests"]');
  const before = Number(await requests.textContent());
  for (let i = 0; i < 3; i++) {
    await fetch(gw.v1 + "/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", messages: [{ role: "user", content: `x${i}` }] }),
    });
  }
  // The page polls /status.json: wait for the cell to change, no reload.
  await page.waitForFunction(
    ([sel, n]) => Number(document.querySelector(sel as string)?.textContent) >= (n as number),
    ['tr[data-upstream="gpu"] [data-field="requests"]', before + 3] as const,
    { timeout: 15_000 },
  );
  await expect(page.locator("#live").textContent()).resolves.toContain("updated");
  await page.screenshot({ path: join(mkdtempSync(join(tmpdir(), "wayfront-shot-")), "status.png"), fullPage: true });
  expect(errors).toEqual([]);
  await page.close();
}, 60_000);

test("the connect snippet can be opened and shows this gateway's URL", async () => {
  const page = await browser.newPage();
  await page.goto(gw.url + "/status");
  await page.locator("summary", { hasText: "Any OpenAI-compatible tool" }).click();
  const text = await page.locator("details[open] pre", { hasText: "OPENAI_BASE_URL" }).textContent({ timeout: 10_000 });
  expect(text).toContain(`OPENAI_BASE_URL=${gw.url}/v1`);
  await page.close();
}, 60_000);

const ARTIFACTS = join(import.meta.dir, "../artifacts");
const PROMPT = "the-prompt-text-must-never-show-7f3a";

/** Horizontal overflow of the document: 0 when nothing sticks out past the viewport. */
const overflow = (page: import("playwright-core").Page) => page.evaluate(() => document.scrollingElement!.scrollWidth - window.innerWidth);

for (const width of [390, 1280]) {
  test(`at ${width} px: no horizontal scroll, the dead upstream's reason in plain sight, figures and recent requests move with traffic, never the prompt`, async () => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(gw.url + "/");
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const reason = page.locator('tr[data-upstream="dead"] [data-field="reason"]');
    expect(await reason.isVisible()).toBe(true);
    expect(await reason.textContent()).toContain("refused");
    expect(await page.locator('tr[data-upstream="dead"] [data-field="reachable"]').textContent()).toBe("no");
    expect(await page.locator('tr[data-upstream="gpu"] [data-field="circuit_meaning"]').isVisible()).toBe(true);
    const total = '#figures [data-total="requests"]';
    const before = Number(await page.locator(total).textContent());
    for (let i = 0; i < 2; i++) {
      const r = await fetch(gw.v1 + "/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "coder", stream: i === 1, messages: [{ role: "user", content: `${PROMPT} ${width} ${i}` }] }),
      });
      await r.text();
    }
    // The page re-reads its figures on its own: wait for them, no reload.
    await page.waitForFunction(
      ([sel, n]) => Number(document.querySelector(sel as string)?.textContent) >= (n as number),
      [total, before + 2] as const,
      {
        timeout: 15_000,
      },
    );
    const recent = (await page.locator("#recent tbody tr").first().textContent()) ?? "";
    expect(recent).toContain("coder");
    expect(recent).toContain("gpu");
    expect(await page.content()).not.toContain(PROMPT);
    expect(await page.locator("#events").textContent()).toContain("upstream unreachable");
    expect(await page.locator("#glossary").textContent()).toContain("spillover");
    expect(await page.locator("svg").count()).toBeGreaterThanOrEqual(2);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, `status-${width}.png`), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
}

test("the page stays a few tens of KB with a full list of recent requests", async () => {
  await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      fetch(gw.v1 + "/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "coder", messages: [{ role: "user", content: `size ${i}` }] }),
      }).then((r) => r.text()),
    ),
  );
  const html = await (await fetch(gw.url + "/")).text();
  expect(html).not.toContain("<link");
  expect(html).not.toMatch(/src="https?:/);
  expect(html.length).toBeLessThan(80_000);
  console.log(`status page: ${(html.length / 1024).toFixed(1)} KB`);
});
