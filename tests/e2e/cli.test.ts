// The command line, run as a real process: serve, check, --version, usage and config errors.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startMockUpstream, type MockUpstream } from "../mock/upstream.ts";
import { runCli, spawnGateway } from "../helpers/process.ts";
import { until } from "../helpers/wait.ts";

const MAIN = join(import.meta.dir, "../../src/main.ts");
const bun = process.execPath;
const dir = mkdtempSync(join(tmpdir(), "wayfront-cli-"));
let mock: MockUpstream;

beforeAll(async () => {
  mock = await startMockUpstream({ models: ["m1", "m2"] });
});
afterAll(() => mock.stop());

test("--version prints the version", async () => {
  const r = await runCli([bun, MAIN, "--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^wayfront \d+\.\d+\.\d+/);
});

test("an unknown option prints usage and exits 2", async () => {
  const r = await runCli([bun, MAIN, "--prot", "1"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("unknown option --prot");
  expect(r.stderr).toContain("Usage:");
});

test("a bad config stops start-up with the key path", async () => {
  const file = join(dir, "bad.toml");
  writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:1/v1"\ntier = "gpu"\n`);
  const r = await runCli([bun, MAIN, "serve", "--config", file]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("upstream[0].tier");
});

test("check validates the config and prints a table of upstreams", async () => {
  const file = join(dir, "check.toml");
  writeFileSync(
    file,
    `[[upstream]]\nname = "gpu"\nbase_url = "${mock.url}"\n\n[[upstream]]\nname = "dead"\nbase_url = "http://127.0.0.1:9/v1"\ntier = "cloud"\napi_key_env = "WF_TEST_UNSET_KEY"\n`,
  );
  const r = await runCli([bun, MAIN, "check", "--config", file]);
  expect(r.stdout).toContain("is valid");
  const lines = r.stdout.split("\n");
  expect(lines.find((l) => l.startsWith("name"))).toMatch(/name\s+tier\s+reachable\s+models\s+latency/);
  expect(lines.find((l) => l.startsWith("gpu"))).toMatch(/gpu\s+local\s+yes\s+2\s+\d+ ms/);
  const dead = lines.find((l) => l.startsWith("dead"))!;
  expect(dead).toContain("no:");
  expect(dead).toContain("WF_TEST_UNSET_KEY is not set");
  expect(r.code).toBe(1);
});

test("serve with WAYFRONT_CONFIG and --port 0 answers the SDK, and stops on SIGTERM", async () => {
  const file = join(dir, "serve.toml");
  writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "${mock.url}"\n`);
  const gw = await spawnGateway([bun, MAIN, "--port", "0", "--data-dir", join(dir, "data")], { WAYFRONT_CONFIG: file });
  try {
    const client = new OpenAI({ baseURL: gw.url + "/v1", apiKey: "x", maxRetries: 0 });
    const r = await client.chat.completions.create({ model: "m2", messages: [{ role: "user", content: "from cli" }] });
    expect(r.choices[0].message.content).toContain("from cli");
  } finally {
    gw.proc.kill("SIGTERM");
    expect(await gw.proc.exited).toBe(0);
  }
});

test("serve with no config at all starts on the embedded default", async () => {
  const gw = await spawnGateway([bun, MAIN, "--port", "0", "--data-dir", join(dir, "data2")], { OPENAI_API_KEY: "", WAYFRONT_CONFIG: "" });
  try {
    const health = await fetch(gw.url + "/healthz");
    expect(health.status).toBe(200);
    // The default local Ollama is not running here: a clear 502, not a crash.
    const r = await fetch(gw.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "ollama/llama3", messages: [{ role: "user", content: "x" }] }),
    });
    expect([502, 404]).toContain(r.status);
    expect((await r.json()).error.message).toContain("ollama");
  } finally {
    await gw.stop();
  }
});

test("SIGTERM drains: a stream in flight finishes before the process exits", async () => {
  const slow = await startMockUpstream({ models: ["m"], tokenDelayMs: 30 });
  const file = join(dir, "drain.toml");
  writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "${slow.url}"\n`);
  const gw = await spawnGateway([bun, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, "data3")]);
  try {
    const res = await fetch(gw.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpu/m+tokens:20", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const reader = res.body!.getReader();
    await reader.read(); // the stream is flowing
    gw.proc.kill("SIGTERM");
    let text = "";
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(await gw.proc.exited).toBe(0);
  } finally {
    gw.proc.kill();
    await slow.stop();
  }
});

test("SIGHUP reloads the config: a changed alias applies at once; a broken file keeps the running config", async () => {
  const file = join(dir, "reload.toml");
  const write = (model: string) =>
    writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "${mock.url}"\n\n[models."coder"]\ntargets = ["gpu/${model}"]\n`);
  write("m1");
  const gw = await spawnGateway([bun, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, "data4")]);
  const sentModel = async () => {
    const before = mock.requests.length;
    const r = await fetch(gw.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", messages: [{ role: "user", content: "x" }] }),
    });
    expect(r.status).toBe(200);
    await r.text();
    return mock.requests.slice(before).find((q) => q.path.endsWith("/chat/completions"))!.body.model;
  };
  try {
    expect(await sentModel()).toBe("m1");
    write("m2");
    gw.proc.kill("SIGHUP");
    await until(() => gw.lines.some((l) => l.includes('"msg":"config reloaded"')), Boolean, "the reload");
    expect(await sentModel()).toBe("m2");
    writeFileSync(file, `[[upstream]]\nname = "gpu"\ntier = "gpu"\n`); // invalid
    gw.proc.kill("SIGHUP");
    const failed = await until(() => gw.lines.find((l) => l.includes("config reload failed")), Boolean, "the reload to be refused");
    expect(failed).toContain("upstream[0]");
    expect(await sentModel()).toBe("m2");
  } finally {
    await gw.stop();
  }
});

test("SIGHUP with an empty file, or one naming no upstream, keeps the running config and says why", async () => {
  const file = join(dir, "reload-empty.toml");
  writeFileSync(file, `[[upstream]]\nname = "gpu"\nbase_url = "${mock.url}"\n\n[models."coder"]\ntargets = ["gpu/m1"]\n`);
  const gw = await spawnGateway([bun, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, "data5")]);
  const answers = async () => {
    const r = await fetch(gw.url + "/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", messages: [{ role: "user", content: "x" }] }),
    });
    await r.text();
    return r.status;
  };
  const refusals = () => gw.lines.filter((l) => l.includes("config reload failed"));
  try {
    expect(await answers()).toBe(200);
    for (const [i, text] of ["", `[server]\nheartbeat = "10s"\n`].entries()) {
      writeFileSync(file, text);
      gw.proc.kill("SIGHUP");
      const refused = await until(() => refusals()[i], Boolean, "the reload to be refused");
      expect(refused).toContain("declares no [[upstream]]");
      expect(refused).toContain(file);
      expect(await answers()).toBe(200);
      const status = await (await fetch(gw.url + "/status.json")).json();
      expect(status.upstreams.map((u: { name: string }) => u.name)).toEqual(["gpu"]);
      expect(status.aliases.map((a: { name: string }) => a.name)).toEqual(["coder"]);
    }
    expect(gw.lines.some((l) => l.includes('"msg":"config reloaded"'))).toBe(false);
  } finally {
    await gw.stop();
  }
});

test("serve with an empty config file starts, with a warning that it has no upstreams", async () => {
  const file = join(dir, "empty.toml");
  writeFileSync(file, "");
  const gw = await spawnGateway([bun, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, "data6")]);
  try {
    expect((await fetch(gw.url + "/healthz")).status).toBe(200);
    const warning = await until(() => gw.lines.find((l) => l.includes("no upstreams configured")), Boolean, "the warning");
    expect(JSON.parse(warning!)).toMatchObject({ level: "warn", problem: `${file} declares no [[upstream]] (is the file empty or cut short?)` });
  } finally {
    await gw.stop();
  }
});

test("check never prints credentials embedded in an upstream URL", async () => {
  const file = join(dir, "check-creds.toml");
  const withCreds = mock.url.replace("http://", "http://user:s3cret@");
  writeFileSync(
    file,
    `[[upstream]]\nname = "gpu"\nbase_url = "${withCreds}"\n\n[[upstream]]\nname = "dead"\nbase_url = "http://user:s3cret@127.0.0.1:9/v1?api_key=s3cret"\n`,
  );
  const r = await runCli([bun, MAIN, "check", "--config", file]);
  expect(r.stdout).toContain("is valid");
  expect(r.stdout).toContain("dead");
  expect(r.stdout + r.stderr).not.toContain("s3cret");
});

test("check warns about a config with no upstreams", async () => {
  const file = join(dir, "check-empty.toml");
  writeFileSync(file, "");
  const r = await runCli([bun, MAIN, "check", "--config", file]);
  expect(r.stdout).toContain("is valid");
  expect(r.stdout).toContain("warning: ");
  expect(r.stdout).toContain("declares no [[upstream]]");
});
