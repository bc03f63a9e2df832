// The linux-arm64 single executable (the Raspberry Pi build), cross-compiled the way
// `npm run build:all` does it and run under qemu-user: it starts, serves the demo model over
// Chat and Responses (SQLite included), and answers bad input with OpenAI errors.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { runCli, spawnGateway, type GatewayProcess } from "../helpers/process.ts";
import { COMPILE_FLAGS, ENTRY } from "../../src/cli/build.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-arm64-"));
const exe = join(dir, "wayfront-linux-arm64");
// Debian's qemu-user and libc6-arm64-cross (.ci/run installs both when missing).
const QEMU = Bun.which("qemu-aarch64");
const SYSROOT = "/usr/aarch64-linux-gnu";
let gw: GatewayProcess;

beforeAll(async () => {
  if (!QEMU) throw new Error("qemu-aarch64 not found: apt-get install qemu-user libc6-arm64-cross (.ci/run does)");
  if (!existsSync(join(SYSROOT, "lib"))) throw new Error(`${SYSROOT} missing: apt-get install libc6-arm64-cross`);
  // build:all's flags (cli/build.ts); its start profile is left out here, it only orders bytecode.
  const build = await runCli([process.execPath, "build", ENTRY, ...COMPILE_FLAGS, "--target=bun-linux-arm64", "--outfile", exe]);
  if (build.code !== 0) throw new Error(`cross-compile failed:\n${build.stdout}\n${build.stderr}`);
  gw = await spawnGateway([QEMU, "-L", SYSROOT, exe, "serve", "--demo", "--port", "0", "--data-dir", join(dir, "data")], { OPENAI_API_KEY: "" });
}, 180_000);

afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the arm64 binary serves chat and responses through the SDK", async () => {
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "x", maxRetries: 0, timeout: 60_000 });
  const chat = await client.chat.completions.create({ model: "wayfront-demo", messages: [{ role: "user", content: "on a pi" }] });
  expect(chat.choices[0].message.content).toContain("on a pi");
  const r = await client.responses.create({ model: "wayfront-demo", input: "pi responses" });
  expect(r.output_text).toContain("pi responses");
  const bad = await fetch(gw.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.code).toBe("invalid_json");
}, 60_000);
