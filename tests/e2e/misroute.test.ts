// No silent misroute: a target whose upstream lists models but not this one is named, with the
// closest names it does list, in the start-up log, `wayfront check` (exit 1), /status.json and
// the status page.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { startTestGateway, upstreamToml, type TestGateway } from "../helpers/gateway.ts";
import { runCli } from "../helpers/process.ts";
import { until } from "../helpers/wait.ts";

let gpu: MockUpstream;
let gw: TestGateway;
let dir: string;
const CONFIG = (url: string) =>
  upstreamToml("gpu", url) + `[models."coder"]\ntargets = ["gpu/qwen2.5-coder:7b"]\n[models."fine"]\ntargets = ["gpu/qwen2.5-coder:14b"]\n`;

beforeAll(async () => {
  gpu = await startMockUpstream({ models: ["qwen2.5-coder:14b", "llama3.2"] });
  gw = await startTestGateway(CONFIG(gpu.url));
  dir = mkdtempSync(join(tmpdir(), "wf-misroute-"));
});
afterAll(async () => {
  await gw.stop();
  await gpu.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the start-up log names the misspelled target and what the upstream does list", async () => {
  const line = await until(() => gw.logs.find((l) => l.includes("target not served by its upstream")), Boolean, "the misroute warning");
  const ev = JSON.parse(line!);
  expect(ev.target).toBe("gpu/qwen2.5-coder:7b");
  expect(ev.did_you_mean).toEqual(["qwen2.5-coder:14b"]);
  expect(gw.logs.some((l) => l.includes("gpu/qwen2.5-coder:14b") && l.includes("not served"))).toBe(false);
});

test("/status.json and the page say it too", async () => {
  const status = await (await fetch(`${gw.url}/status.json`)).json();
  expect(status.misroutes).toHaveLength(1);
  expect(status.misroutes[0]).toContain("did you mean qwen2.5-coder:14b?");
  const page = await (await fetch(`${gw.url}/`)).text();
  expect(page).toContain('id="misroutes"');
  expect(page).toContain("qwen2.5-coder:7b");
});

test("wayfront check exits 1 and says what to change", async () => {
  const file = join(dir, "wayfront.toml");
  writeFileSync(file, CONFIG(gpu.url));
  const r = await runCli([process.execPath, join(import.meta.dir, "../../src/main.ts"), "check", "--config", file]);
  expect(r.code).toBe(1);
  expect(r.stdout).toContain("did you mean qwen2.5-coder:14b?");
});
