// A real redis-server on a random loopback port, for the shared-cache tests. It is a test
// dependency like bun itself (.ci/run installs it): missing means failing, saying so.
import type { Subprocess } from "bun";

export interface TestRedis {
  proc: Subprocess;
  url: string;
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** `args`: more redis-server options, e.g. ["--maxmemory", "4mb", "--maxmemory-policy", "volatile-lru"]. */
export async function startRedis(args: string[] = []): Promise<TestRedis> {
  const bin = Bun.which("redis-server");
  if (!bin) throw new Error("redis-server is not on PATH: install it (apt-get install -y redis-server); .ci/run does this");
  const port = await freePort();
  // No persistence: a test server leaves nothing behind.
  const proc = Bun.spawn([bin, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...args], {
    stdout: "ignore",
    stderr: "ignore",
  });
  const url = `redis://127.0.0.1:${port}`;
  // Ready when it answers PING; bounded.
  for (let i = 0; i < 100; i++) {
    try {
      const c = new Bun.RedisClient(url);
      const pong = await c.send("PING", []);
      c.close();
      if (pong === "PONG") return { proc, url };
    } catch {}
    await Bun.sleep(50);
  }
  proc.kill();
  throw new Error("redis-server did not start");
}
