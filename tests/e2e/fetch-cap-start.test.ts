// Bun's fetch limit (BUN_CONFIG_MAX_HTTP_REQUESTS, at most 65,535) caps the gateway's global
// line only when some upstream goes through fetch: plain-HTTP upstreams are reached over the
// gateway's own connections, which the limit does not touch. Said at start-up when it binds.
import { afterEach, expect, test } from "bun:test";
import { startTestGateway, type TestGateway, upstreamToml } from "../helpers/gateway.ts";

const running: TestGateway[] = [];
afterEach(async () => {
  for (const g of running.splice(0)) await g.stop();
});

// More than Bun's fetch can ever carry, whatever the environment says.
const SERVER = `[server]\nmax_upstream_requests = 100000\n[health]\ninterval = "1h"\n`;
const capped = (g: TestGateway) => g.logs.filter((l) => l.includes("upstream requests capped by Bun's fetch")).map((l) => JSON.parse(l));

test("only plain-HTTP upstreams: the configured global cap holds as is, and nothing is said", async () => {
  const g = await startTestGateway(SERVER + upstreamToml("gpu", "http://127.0.0.1:9/v1"));
  running.push(g);
  expect(capped(g)).toEqual([]);
});

test("an https:// upstream too: the cap stays under Bun's limit, and start-up says how to raise it", async () => {
  const g = await startTestGateway(
    SERVER + upstreamToml("gpu", "http://127.0.0.1:9/v1") + upstreamToml("cloud", "https://127.0.0.1:9/v1", 'tier = "cloud"'),
  );
  running.push(g);
  const [line] = capped(g);
  expect(line.configured).toBe(100000);
  expect(line.in_flight_at_most).toBeLessThan(100000);
  expect(line.raise_with).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=");
});
