// Start one bench server (upstream, floor proxy or gateway) in its own Bun process, so the
// load generator does not share an event loop with what it measures.
import { join } from "node:path";
import { serverEnv } from "./client-cap.ts";
import { READY_PREFIX } from "./processes/ready.ts";

export interface ServerProcess {
  url: string;
  /** The server's own process id (for /proc/<pid>/status). */
  pid: number;
  stop(): Promise<void>;
}

const STARTUP_LIMIT_MS = 15_000;

export async function spawnServer(
  entry:
    | "upstream"
    | "relay-floor"
    | "floor-proxy"
    | "gateway"
    | "cache-gateway"
    | "static-bytes"
    | "big-stream-upstream"
    | "sd-gateway"
    | "gateway-toml",
  args: string[],
): Promise<ServerProcess> {
  const proc = Bun.spawn([process.execPath, join(import.meta.dir, "processes", `${entry}.ts`), ...args], {
    stdout: "pipe",
    stderr: "inherit",
    env: serverEnv(),
  });
  const stop = async () => {
    proc.kill("SIGTERM");
    await proc.exited;
  };
  try {
    const url = await readReadyLine(proc.stdout, entry);
    return { url, pid: proc.pid, stop };
  } catch (err) {
    proc.kill("SIGKILL");
    throw err;
  }
}

async function readReadyLine(stdout: ReadableStream<Uint8Array>, entry: string): Promise<string> {
  const reader = stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench ${entry} did not start within ${STARTUP_LIMIT_MS} ms`)), STARTUP_LIMIT_MS);
  });
  try {
    while (true) {
      const { value, done } = await Promise.race([reader.read(), limit]);
      if (done) throw new Error(`bench ${entry} exited before it was ready`);
      text += decoder.decode(value, { stream: true });
      const line = text.split("\n").find((l) => l.startsWith(READY_PREFIX));
      if (line) return line.slice(READY_PREFIX.length).trim();
    }
  } finally {
    clearTimeout(timer);
    // Nothing else is read from stdout; release it so the child never blocks on a full pipe.
    reader.releaseLock();
    void stdout.pipeTo(new WritableStream()).catch(() => {});
  }
}
