// `npm run build`: dist/wayfront for this machine, and the flags `build:all` shares. On top of
// `bun build --compile --minify --bytecode`, two settings for how the binary starts:
// - the JIT starts 100 times more reluctant (--compile-jit-policy), since start-up code runs
//   once; cli/serve.ts restores the normal policy once listening. Compiling that code took
//   CPU from the start and left ~3 MiB of idle RSS.
// - the bytecode a start runs is laid out together at the front of the binary (--bytecode-order),
//   from a profile recorded by starting a first build and serving a chat completion through it:
//   fewer pages to read, ~2.5 MiB less idle RSS. Without a profile the binary works the same.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ENTRY = join(import.meta.dir, "..", "main.ts");
export const COMPILE_FLAGS = ["--compile", "--minify", "--bytecode", "--compile-jit-policy=100"];

/** `bun build` of the entry into `outfile`; true when it worked (Bun prints why not). */
export function compile(outfile: string, extra: string[] = []): boolean {
  const proc = Bun.spawnSync([process.execPath, "build", ENTRY, ...COMPILE_FLAGS, ...extra, "--outfile", outfile], {
    stdout: "inherit",
    stderr: "inherit",
  });
  return proc.exitCode === 0;
}

/** How long recording may take before the build goes on without a profile. */
const RECORD_LIMIT_MS = 30_000;

/**
 * The bytecode order of a cold start: a host build in `dir` serves a plain and a streamed chat
 * completion from a stand-in upstream while it records (BUN_BYTECODE_ORDER_OUT, written at exit).
 * Null, with the reason printed, when it could not be recorded.
 */
export async function recordStartProfile(dir: string): Promise<string | null> {
  const exe = join(dir, process.platform === "win32" ? "wayfront.exe" : "wayfront");
  const profile = join(dir, "start.order");
  if (!compile(exe)) return null;
  const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: standIn });
  const config = join(dir, "profile.toml");
  writeFileSync(config, `[[upstream]]\nname = "local"\nbase_url = "http://127.0.0.1:${upstream.port}/v1"\n[log]\nformat = "json"\n`);
  const proc = Bun.spawn([exe, "serve", "--config", config, "--data-dir", join(dir, "data"), "--host", "127.0.0.1", "--port", "0"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, BUN_BYTECODE_ORDER_OUT: profile },
  });
  const limit = setTimeout(() => proc.kill("SIGKILL"), RECORD_LIMIT_MS);
  try {
    const url = await listeningUrl(proc.stdout);
    for (const stream of [false, true]) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: PROFILE_MODEL, stream, messages: [{ role: "user", content: "Say hello." }] }),
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the profiling request answered ${res.status}`);
    }
    proc.kill("SIGTERM");
    if ((await proc.exited) !== 0 || !existsSync(profile)) throw new Error("the profiling run wrote no profile");
    return profile;
  } catch (err) {
    proc.kill("SIGKILL");
    console.error(`build: no bytecode profile (${(err as Error).message}); building without one`);
    return null;
  } finally {
    clearTimeout(limit);
    upstream.stop(true);
  }
}

const PROFILE_MODEL = "profile-model";

/** The stand-in upstream: a model list and a one-word chat completion, plain or streamed. */
function standIn(req: Request): Response | Promise<Response> {
  const path = new URL(req.url).pathname;
  if (path === "/v1/models") return Response.json({ object: "list", data: [{ id: PROFILE_MODEL, object: "model", owned_by: "build" }] });
  if (path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
  return req.json().then((body: { stream?: boolean }) => {
    const head = { id: "chatcmpl-profile", created: 0, model: PROFILE_MODEL };
    const usage = { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 };
    if (!body.stream) {
      return Response.json({
        ...head,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: "Hello." }, finish_reason: "stop" }],
        usage,
      });
    }
    const chunk = (delta: object, finish: string | null) =>
      `data: ${JSON.stringify({ ...head, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const sse = chunk({ role: "assistant", content: "" }, null) + chunk({ content: "Hello." }, null) + chunk({}, "stop") + "data: [DONE]\n\n";
    return new Response(sse, { headers: { "content-type": "text/event-stream" } });
  });
}

/** The URL from the gateway's "listening" log line; the rest of its output is read and dropped. */
async function listeningUrl(stdout: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the gateway exited before it listened");
    text += decoder.decode(value, { stream: true });
    const line = text.split("\n").find((l) => l.includes('"msg":"listening"'));
    if (line) {
      // Keep the pipe drained, so the gateway never blocks writing its log.
      void (async () => {
        while (!(await reader.read()).done);
      })().catch(() => {});
      return JSON.parse(line).url;
    }
  }
}

/** Records a start profile in a temporary folder, hands it to `f`, then removes the folder. */
export async function withStartProfile<T>(f: (profileFlags: string[]) => T | Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "wayfront-build-"));
  try {
    const profile = await recordStartProfile(dir);
    return await f(profile ? [`--bytecode-order=${profile}`] : []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const ok = await withStartProfile((profile) => compile(join("dist", "wayfront"), profile));
  process.exit(ok ? 0 : 1);
}
