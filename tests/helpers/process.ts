// Run the gateway as a real process (source or compiled binary) and find its URL from the
// "listening" log line it prints.
import type { Subprocess } from "bun";

export interface GatewayProcess {
  url: string;
  /** Every line the gateway printed on stdout so far (its JSON log). */
  lines: string[];
  proc: Subprocess<"ignore", "pipe", "pipe">;
  stop(): Promise<void>;
}

export async function spawnGateway(cmd: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  // Bounded: the first lines a starting gateway prints, or its exit.
  for (let i = 0; i < 200; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value);
    const line = buf.split("\n").find((l) => l.includes('"msg":"listening"'));
    if (line) {
      const lines = buf.split("\n").filter(Boolean);
      // Keep reading, so the pipe never fills and tests can wait for a log line.
      void (async () => {
        let rest = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          rest += decoder.decode(value);
          const parts = rest.split("\n");
          rest = parts.pop()!;
          lines.push(...parts.filter(Boolean));
        }
      })().catch(() => {});
      return {
        url: JSON.parse(line).url,
        lines,
        proc,
        async stop() {
          proc.kill();
          await proc.exited;
        },
      };
    }
  }
  proc.kill();
  throw new Error(`gateway did not start: ${buf}\n${await new Response(proc.stderr).text()}`);
}

export async function runCli(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...env } });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr };
}
