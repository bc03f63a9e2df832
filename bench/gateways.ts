// Wayfront under test, from source (its own Bun process) or as the compiled binary, with a
// bench config, a temporary data dir and a log file; stop() removes both.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serverEnv } from "./client-cap.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";

const ROOT = join(import.meta.dir, "..");

function tempFiles(toml: string) {
  const dir = mkdtempSync(join(tmpdir(), "wayfront-bench-gw-"));
  const config = join(dir, "bench.toml");
  writeFileSync(config, toml);
  return { dir, config, data: join(dir, "data"), log: join(dir, "requests.log") };
}

export async function startSourceGateway(toml: string): Promise<ServerProcess> {
  const f = tempFiles(toml);
  try {
    const p = await spawnServer("gateway-toml", [f.config, f.data, f.log]);
    return { ...p, stop: () => p.stop().finally(() => rmSync(f.dir, { recursive: true, force: true })) };
  } catch (err) {
    rmSync(f.dir, { recursive: true, force: true });
    throw err;
  }
}

/** A port that was free a moment ago (the binary takes --port; it cannot say which it got). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

export interface Spawned {
  proc: ReturnType<typeof Bun.spawn>;
  url: string;
  startedAt: number;
  cleanup(): void;
}

/** Starts the compiled binary without waiting: the caller times how long until it serves. */
export function spawnBinary(bin: string, toml: string): Spawned {
  const f = tempFiles(toml);
  const port = freePort();
  const startedAt = performance.now();
  const proc = Bun.spawn([bin, "serve", "--config", f.config, "--data-dir", f.data, "--host", "127.0.0.1", "--port", String(port)], {
    stdout: Bun.file(f.log),
    stderr: "inherit",
    env: serverEnv(),
  });
  return { proc, url: `http://127.0.0.1:${port}`, startedAt, cleanup: () => rmSync(f.dir, { recursive: true, force: true }) };
}

/** POSTs until the server answers 200 (bounded), returning ms since `since`. */
export async function untilServed(url: string, body: string, since: number, limitMs = 10_000): Promise<number> {
  while (performance.now() - since < limitMs) {
    try {
      const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // Not listening yet.
    }
    await Bun.sleep(1);
  }
  throw new Error(`${url} did not serve a request within ${limitMs} ms`);
}

export async function startBinaryGateway(bin: string, toml: string, body: string): Promise<ServerProcess> {
  const s = spawnBinary(bin, toml);
  const stop = async () => {
    s.proc.kill("SIGTERM");
    await s.proc.exited;
    s.cleanup();
  };
  try {
    await untilServed(s.url, body, s.startedAt);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: s.url, pid: s.proc.pid, stop };
}

export type BinaryLookup = { path: string; built: boolean } | { path: null; reason: string };

/** WAYFRONT_BINARY, else dist/wayfront, else `npm run build` (about a second when src builds). */
export async function findBinary(): Promise<BinaryLookup> {
  const given = process.env.WAYFRONT_BINARY;
  if (given) return existsSync(given) ? { path: given, built: false } : { path: null, reason: `WAYFRONT_BINARY=${given} does not exist` };
  const dist = join(ROOT, "dist", "wayfront");
  if (existsSync(dist)) return { path: dist, built: false };
  const build = Bun.spawn(["npm", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => build.kill(), 120_000);
  const [code, err] = await Promise.all([build.exited, new Response(build.stderr).text()]);
  clearTimeout(timer);
  if (code === 0 && existsSync(dist)) return { path: dist, built: true };
  const why = err.split("\n").find((l) => l.includes("error:")) ?? `exit ${code}`;
  return { path: null, reason: `npm run build failed: ${why.trim()}` };
}
