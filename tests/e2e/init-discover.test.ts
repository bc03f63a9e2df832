// `wayfront init` then `wayfront check` as real processes, and the config found by discovery
// (./wayfront.toml in the working directory) named in serve's start-up line.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "wayfront-init-e2e-"));
let gpu: MockUpstream;

beforeAll(async () => {
  gpu = await startMockUpstream({ flavour: "ollama", models: ["qwen2.5-coder:14b", "llama3.2:3b"] });
});
afterAll(async () => {
  await gpu.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** No config named anywhere, and a home with no config dir: only the working directory can supply one. */
const ENV = { ...process.env, WAYFRONT_CONFIG: "", HOME: dir, XDG_CONFIG_HOME: join(dir, "no-such-dir"), WAYFRONT_OPENAI_API_KEY: "" };

async function run(argv: string[]) {
  const proc = Bun.spawn([process.execPath, MAIN, ...argv], { cwd: dir, env: ENV, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}

test("init writes ./wayfront.toml from the box's models; check accepts it; a second init refuses", async () => {
  const init = await run(["init", "--gpu", gpu.url.replace(/\/v1$/, "")]);
  expect(init.code).toBe(0);
  expect(init.stdout).toContain(`wrote ${join(dir, "wayfront.toml")}`);
  const check = await run(["check", "--config", "wayfront.toml"]);
  expect(check.stdout).toContain("is valid");
  expect(check.stdout).toContain('model "claude-*" → gpu/qwen2.5-coder:14b');
  expect(check.code).toBe(0);
  expect((await run(["init"])).code).toBe(1);
});

test("serve with no --config finds ./wayfront.toml (written above) and names it in the start-up line", async () => {
  const proc = Bun.spawn([process.execPath, MAIN, "--port", "0", "--data-dir", join(dir, "data")], {
    cwd: dir,
    env: ENV,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const reader = proc.stdout.getReader();
    let buf = "";
    while (!buf.includes('"msg":"listening"')) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`exited: ${buf}`);
      buf += new TextDecoder().decode(value);
    }
    const line = JSON.parse(buf.split("\n").find((l) => l.includes('"msg":"listening"'))!);
    expect(line.config).toBe(join(dir, "wayfront.toml"));
  } finally {
    proc.kill();
    await proc.exited;
  }
});
