// The compiled single executable runs the end-to-end smoke test: --version, serve --demo,
// a streamed and a plain chat completion through the official SDK.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { runCli, spawnGateway, type GatewayProcess } from "../helpers/process.ts";
import { compile, withStartProfile } from "../../src/cli/build.ts";

const dir = mkdtempSync(join(tmpdir(), "wayfront-bin-"));
const exe = join(dir, process.platform === "win32" ? "wayfront.exe" : "wayfront");
let gw: GatewayProcess;

beforeAll(async () => {
  // Built as `npm run build` builds it (cli/build.ts: its flags and a recorded start profile),
  // into a temp dir so parallel runs don't collide.
  const built = await withStartProfile((profile) => {
    expect(profile.length).toBe(1); // the profile was recorded, not skipped
    return compile(exe, profile);
  });
  if (!built) throw new Error("bun build --compile failed (its output is above)");
  gw = await spawnGateway([exe, "serve", "--demo", "--port", "0", "--data-dir", join(dir, "data")], { OPENAI_API_KEY: "" });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("the binary prints its version", async () => {
  const r = await runCli([exe, "--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^wayfront \d+\.\d+\.\d+/);
});

test("the binary serves the demo model, labelled fake, streamed and not", async () => {
  const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "x", maxRetries: 0 });
  const models = await client.models.list();
  const demo = models.data.find((m) => m.id === "wayfront-demo")!;
  expect(demo.owned_by).toContain("fake");
  const plain = await client.chat.completions.create({ model: "wayfront-demo", messages: [{ role: "user", content: "smoke" }] });
  expect(plain.choices[0].message.content).toContain("fake");
  expect(plain.choices[0].message.content).toContain("smoke");
  const stream = await client.chat.completions.create({
    model: "wayfront-demo",
    stream: true,
    messages: [{ role: "user", content: "smoke stream" }],
  });
  let text = "";
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    text += c.choices[0]?.delta?.content ?? "";
  }
  expect(chunks).toBeGreaterThan(5);
  expect(text).toBe(plain.choices[0].message.content!.replace("smoke", "smoke stream"));
});

test("the binary serves the status page (its template is compiled in)", async () => {
  const r = await fetch(gw.url + "/");
  expect(r.headers.get("content-type")).toContain("text/html");
  expect(await r.text()).toContain("<h1>Wayfront</h1>");
});

test("the binary answers bad input with OpenAI errors", async () => {
  const r = await fetch(gw.url + "/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
  expect(r.status).toBe(400);
  expect((await r.json()).error.code).toBe("invalid_json");
});
