// `doctor codex` asks Codex's own base URL first: a Wayfront running there (another port than
// this config names) is accepted, not reported as "not this gateway".
import { afterAll, beforeAll, expect, test } from "bun:test";
import { diagnoseCodex } from "../../../src/cli/doctor.ts";
import { probeWayfront } from "../../../src/cli/probe-wayfront.ts";
import { codexSnippet } from "../../../src/status/snippets.ts";
import { startTestGateway, type TestGateway } from "../../helpers/gateway.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

const CONFIGURED = "http://127.0.0.1:4141/v1";
const ENV = { WAYFRONT_API_KEY: "x" };
let gw: TestGateway;
let other: MockUpstream;

beforeAll(async () => {
  gw = await startTestGateway("", { demo: true });
  other = await startMockUpstream({ models: ["coder"] });
});
afterAll(async () => {
  await gw.stop();
  await other.stop();
});

const setup = (base: string) => ({ configPath: "/h/config.toml", configText: codexSnippet(base, "wayfront-demo").text, env: ENV });

test("a running Wayfront at Codex's base URL is accepted, and its models are the ones checked", async () => {
  const asked: string[] = [];
  const notes: string[] = [];
  const list = async (base: string) => (asked.push(base), ["wayfront-demo"]);
  const f = await diagnoseCodex(setup(gw.v1), CONFIGURED, list, { isWayfront: probeWayfront, note: (l) => notes.push(l) });
  expect(f).toEqual([]);
  expect(asked).toEqual([gw.v1]);
  expect(notes[0]).toContain(`a Wayfront is answering at Codex's base URL (${gw.url})`);
});

test("another server there (or nothing) is still named, with the configured URL as the fix", async () => {
  for (const base of [other.url, "http://127.0.0.1:1/v1"]) {
    const f = await diagnoseCodex(setup(base), CONFIGURED, async () => ["wayfront-demo"], { isWayfront: probeWayfront });
    expect(f[0].problem).toContain(`Codex's base URL ${base} is not this gateway (${CONFIGURED})`);
    expect(f[0].fix).toBe(`base_url = "${CONFIGURED}"`);
  }
});

test("/healthz says it is a Wayfront", async () => {
  expect(await (await fetch(`${gw.url}/healthz`)).json()).toMatchObject({ status: "ok", service: "wayfront" });
  expect(await probeWayfront(gw.v1)).toBe(true);
  expect(await probeWayfront(other.url)).toBe(false);
  expect(await probeWayfront("not a url")).toBe(false);
});
