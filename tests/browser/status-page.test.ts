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
  gw = await startTestGateway(`[health]\ninterval = "1h"\n` + upstreamToml("gpu", mock.url) + `[models."coder"]\ntargets = ["gpu/m"]\n`, {
    demo: true,
  });
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
  await expect(page.locator("#upstreams tbody tr").count()).resolves.toBe(2);
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
