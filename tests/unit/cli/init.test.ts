// `wayfront init` against mock GPU boxes: an OpenAI-compatible server given with /v1, and an
// Ollama given by its root URL (whose /api/tags is asked too). The written file goes through
// the real loader; an existing file is kept unless --force.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, UsageError } from "../../../src/cli/args.ts";
import { initCommand } from "../../../src/cli/init.ts";
import { loadConfigFile } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { startMockUpstream, type MockUpstream } from "../../mock/upstream.ts";

let vllm: MockUpstream;
let ollama: MockUpstream;
const dir = mkdtempSync(join(tmpdir(), "wayfront-init-"));

beforeAll(async () => {
  vllm = await startMockUpstream({ flavour: "vllm", models: ["meta-llama/Llama-3.1-8B-Instruct", "Qwen/Qwen2.5-Coder-32B-Instruct"] });
  ollama = await startMockUpstream({ flavour: "ollama", models: ["llama3.1:70b", "qwen2.5-coder:7b", "qwen2.5-coder:14b", "nomic-embed-text"] });
});
afterAll(async () => {
  await vllm.stop();
  await ollama.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function init(...argv: string[]) {
  const lines: string[] = [];
  const code = await initCommand(parseArgs(["init", ...argv]), { out: (l) => lines.push(l), cwd: dir });
  return { code, text: lines.join("\n") };
}

async function load(path: string) {
  const f = await loadConfigFile(path, {});
  return resolveConfig(f.raw, f.source, {});
}

test("an OpenAI-compatible box given with /v1: its models, the coder one aliased for Codex and Claude Code", async () => {
  const r = await init("--gpu", vllm.url, "--out", "vllm.toml");
  expect(r.code).toBe(0);
  expect(r.text).toContain("lists 2 models; agents go to Qwen/Qwen2.5-Coder-32B-Instruct");
  const c = await load(join(dir, "vllm.toml"));
  expect(c.upstreams[0].baseUrl).toBe(vllm.url);
  expect(c.aliases.get("gpt-5.2-codex")!.targets).toEqual([{ upstream: "gpu", model: "Qwen/Qwen2.5-Coder-32B-Instruct" }]);
  expect(c.aliases.get("claude-*")!.targets).toEqual([{ upstream: "gpu", model: "Qwen/Qwen2.5-Coder-32B-Instruct" }]);
  expect(readFileSync(join(dir, "vllm.toml"), "utf8")).toContain("# Found on it: meta-llama/Llama-3.1-8B-Instruct, Qwen/Qwen2.5-Coder-32B-Instruct.");
});

test("an Ollama given by its root URL: /v1 is added, and the largest coder wins", async () => {
  const root = ollama.url.replace(/\/v1$/, "");
  const r = await init("--gpu", root, "--out", "ollama.toml", "--cloud", "anthropic");
  expect(r.code).toBe(0);
  // The native list was read as well as the OpenAI one.
  expect(ollama.requests.map((q) => q.path)).toEqual(expect.arrayContaining(["/v1/models", "/api/tags"]));
  const c = await load(join(dir, "ollama.toml"));
  expect(c.upstreams.map((u) => [u.name, u.baseUrl])).toEqual([
    ["gpu", ollama.url],
    ["anthropic", "https://api.anthropic.com/v1"],
  ]);
  expect(c.aliases.get("claude-*")!.targets.map((t) => `${t.upstream}/${t.model}`)).toEqual(["gpu/qwen2.5-coder:14b", "anthropic/claude-sonnet-4-5"]);
});

test("an existing file is kept unless --force", async () => {
  const path = join(dir, "mine.toml");
  writeFileSync(path, "# my own\n");
  const r = await init("--gpu", vllm.url, "--out", "mine.toml");
  expect(r.code).toBe(1);
  expect(r.text).toContain("already exists; not overwriting it (add --force");
  expect(readFileSync(path, "utf8")).toBe("# my own\n");
  expect((await init("--gpu", vllm.url, "--out", "mine.toml", "--force")).code).toBe(0);
  expect(readFileSync(path, "utf8")).toContain("[[upstream]]");
});

test("a box that is down: a warning, and a file that loads with a placeholder model", async () => {
  const gone = await startMockUpstream({ models: ["x"] });
  gone.down();
  const r = await init("--gpu", gone.url, "--out", "down.toml");
  expect(r.code).toBe(0);
  expect(r.text).toContain("warning: could not ask");
  expect(r.text).toContain("connection refused");
  expect((await load(join(dir, "down.toml"))).aliases.size).toBe(2);
});

test("the default file is ./wayfront.toml; bad flags are usage errors", async () => {
  expect((await init("--gpu", vllm.url)).code).toBe(0);
  expect(existsSync(join(dir, "wayfront.toml"))).toBe(true);
  await expect(init("--cloud", "azure")).rejects.toThrow(UsageError);
  await expect(init("--gpu", "192.168.1.20:11434")).rejects.toThrow("--gpu must be an http:// or https:// URL");
  expect(() => parseArgs(["serve", "--force"])).toThrow("--force is an option of `wayfront init`");
  expect(() => parseArgs(["init", "--gpu"])).toThrow("--gpu needs a value");
});
