// `wayfront check` shows each upstream's wire: configured, or auto with what the probe found;
// and the data file (every page readable?) and its disk.
import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check } from "../../../src/cli/check.ts";
import { parseArgs } from "../../../src/cli/args.ts";
import { openDb } from "../../../src/db/open.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-check-"));
let chatOnly: MockUpstream;
let both: MockUpstream;
let messages: MockUpstream;

beforeAll(async () => {
  chatOnly = await startMockUpstream({ models: ["a"], wire: ["chat"] });
  both = await startMockUpstream({ models: ["b"], wire: ["chat", "responses"] });
  messages = await startMockUpstream({ models: ["c"], wire: ["chat", "messages"] });
});
afterAll(async () => {
  await chatOnly.stop();
  await both.stop();
  await messages.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runCheck(toml: string): Promise<string[]> {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  const lines: string[] = [];
  const spy = spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
  try {
    await check(parseArgs(["check", "--config", file]));
  } finally {
    spy.mockRestore();
  }
  return lines;
}

const row = (lines: string[], name: string) => lines.find((l) => l.startsWith(name + " "))!;

test("the wire column: configured lists as is, auto with the probe's answer", async () => {
  const lines = await runCheck(
    [
      `[[upstream]]\nname = "llama"\nbase_url = "${chatOnly.url}"\n`,
      `[[upstream]]\nname = "vllm"\nbase_url = "${both.url}"\n`,
      `[[upstream]]\nname = "fixed"\nbase_url = "${both.url}"\nwire = ["chat"]\n`,
      `[[upstream]]\nname = "both"\nbase_url = "${chatOnly.url}"\nwire = ["chat", "responses"]\n`,
      `[[upstream]]\nname = "dead"\nbase_url = "http://127.0.0.1:9/v1"\n`,
      `[[upstream]]\nname = "ollama"\nbase_url = "${messages.url}"\n`,
    ].join("\n"),
  );
  expect(lines.find((l) => l.startsWith("name"))).toMatch(/latency\s+wire$/);
  expect(row(lines, "llama")).toMatch(/\sauto: chat$/);
  expect(row(lines, "vllm")).toMatch(/\sauto: chat\+responses$/);
  // Configured: shown as configured, and no probe is sent.
  expect(row(lines, "fixed")).toMatch(/\schat$/);
  expect(row(lines, "both")).toMatch(/\schat\+responses$/);
  expect(row(lines, "dead")).toContain("auto: chat; unknown: responses, messages");
  expect(row(lines, "ollama")).toMatch(/\sauto: chat\+messages$/);
  // One probe each for the two auto upstreams that answered; none for the configured ones.
  const probes = (m: MockUpstream) => m.requests.filter((r) => r.method === "POST" && r.path === "/v1/responses").length;
  expect(probes(chatOnly)).toBe(1);
  expect(probes(both)).toBe(1);
});

test("check says what a request does for a box with [upstream.wake], and sends no packet itself", async () => {
  const lines = await runCheck(
    `[[upstream]]\nname = "gpu"\nbase_url = "${chatOnly.url}"\n[upstream.wake]\nmac = "aa:bb:cc:dd:ee:ff"\nbroadcast = "127.0.0.1"\nport = 9\nwhile_waking = "cloud"\n`,
  );
  const wake = lines.find((l) => l.startsWith("wake on gpu:"));
  expect(wake).toBe("wake on gpu: aa:bb:cc:dd:ee:ff via 127.0.0.1:9, at most once per 60 s; a request goes to the next target while it wakes");
});

describe("the data dir", () => {
  async function checkData(dataDir: string): Promise<{ code: number; lines: string[] }> {
    const file = join(dir, `d${Math.random().toString(36).slice(2)}.toml`);
    writeFileSync(file, `[server]\ndata_dir = "${dataDir}"\n[[upstream]]\nname = "a"\nbase_url = "${chatOnly.url}"\n`);
    const lines: string[] = [];
    const spy = spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.join(" ")));
    try {
      return { code: await check(parseArgs(["check", "--config", file])), lines };
    } finally {
      spy.mockRestore();
    }
  }

  test("a data file not created yet, then a sound one, and the disk's free space", async () => {
    const data = mkdtempSync(join(dir, "data-"));
    let r = await checkData(data);
    expect(r.code).toBe(0);
    expect(r.lines).toContain(`data: ${join(data, "wayfront.sqlite")} (not created yet)`);
    expect(r.lines.some((l) => /^disk: [\d.]+ [MG]iB free, [\d.]+ [MG]iB kept free \(server\.keep_free_disk\)$/.test(l))).toBe(true);
    openDb(join(data, "wayfront.sqlite")).close();
    r = await checkData(data);
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => l.startsWith(`data: ${join(data, "wayfront.sqlite")}, `) && l.endsWith("every page readable"))).toBe(true);
  });

  test("a damaged data file (a page serving has not met yet) is found, with what to do, and check fails", async () => {
    const data = mkdtempSync(join(dir, "data-"));
    const path = join(data, "wayfront.sqlite");
    const db = openDb(path);
    const root = (db.query("SELECT rootpage FROM sqlite_schema WHERE name = 'stored_responses'").get() as { rootpage: number }).rootpage;
    const pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
    db.close();
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.alloc(pageSize, 0xab), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    const r = await checkData(data);
    expect(r.code).toBe(1);
    const line = r.lines.find((l) => l.startsWith("error: the data file"))!;
    expect(line).toContain(`${path} is damaged`);
    expect(line).toContain(`mv "${path}" "${path}.damaged"`);
  });
});
