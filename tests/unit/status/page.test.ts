// The status page's HTML, parsed with happy-dom: every upstream has a row with its state,
// names are escaped, and no key ever appears.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Window } from "happy-dom";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../../helpers/gateway.ts";
import { formatUptime } from "../../../src/status/page.ts";

let mock: MockUpstream;
let gw: TestGateway;
const SECRET = "sk-page-secret-42";

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m"], apiKey: SECRET });
  gw = await startTestGateway(
    `[health]\ninterval = "1h"\n` +
      upstreamToml("gpu", mock.url, `api_key_env = "K"`) +
      upstreamToml("dead", "http://127.0.0.1:9/v1", `tier = "cloud"`) +
      `[models."<b>coder</b>"]\ntargets = ["gpu/m", "dead/x"]\n`,
    { env: { K: SECRET }, demo: true },
  );
});
afterAll(async () => {
  await gw.stop();
  await mock.stop();
});

async function load(path = "/") {
  const res = await fetch(gw.url + path);
  expect(res.headers.get("content-type")).toContain("text/html");
  const html = await res.text();
  const window = new Window({ url: gw.url });
  window.document.write(html);
  return { html, doc: window.document };
}

test("one row per upstream with tier, reachability and circuit; the demo is labelled fake", async () => {
  await fetch(gw.v1 + "/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "gpu/m", messages: [{ role: "user", content: "x" }] }),
  });
  await gw.gateway.health.probeAll();
  const { doc } = await load();
  const rows = [...doc.querySelectorAll("#upstreams tbody tr")];
  expect(rows.map((r) => r.getAttribute("data-upstream"))).toEqual(["gpu", "dead", "demo"]);
  const gpu = doc.querySelector('tr[data-upstream="gpu"]')!;
  expect(gpu.querySelector('[data-field="reachable"]')!.textContent).toBe("yes");
  expect(gpu.querySelector('[data-field="circuit"]')!.textContent).toBe("closed");
  expect(Number(gpu.querySelector('[data-field="requests"]')!.textContent)).toBeGreaterThanOrEqual(1);
  expect(doc.querySelector('tr[data-upstream="dead"] [data-field="reachable"]')!.textContent).toBe("no");
  expect(doc.querySelector('tr[data-upstream="demo"]')!.textContent).toContain("fake");
});

test("aliases, connect snippets for this URL, and links to the machine-readable figures", async () => {
  const { doc, html } = await load("/status");
  const alias = doc.querySelector("#aliases tbody tr")!;
  expect(alias.textContent).toContain("<b>coder</b>"); // shown as text, not markup
  expect(html).not.toContain("<b>coder</b>");
  expect(doc.querySelector("pre")!.textContent).toContain(`base_url = "${gw.url}/v1"`);
  const titles = [...doc.querySelectorAll("summary")].map((s) => s.textContent);
  for (const client of ["Codex CLI", "Python", "Node", "Aider", "Cline", "Continue"]) expect(titles.join(" ")).toContain(client);
  expect(doc.querySelector('a[href="/status.json"]')).not.toBeNull();
});

test("no upstream key anywhere on the page or in /status.json", async () => {
  const { html } = await load();
  expect(html).not.toContain(SECRET);
  expect(await (await fetch(gw.url + "/status.json")).text()).not.toContain(SECRET);
});

test("uptime reads like a person would say it", () => {
  expect(formatUptime(5)).toBe("5s");
  expect(formatUptime(125)).toBe("2m 5s");
  expect(formatUptime(7260)).toBe("2h 1m");
  expect(formatUptime(90000)).toBe("1d 1h");
});
