// Run a real CLI (Codex, Claude Code) as a test's client: in its own process group, so a
// timeout takes down whatever it started too (the npm launcher in front of the native binary,
// the shells a Bash tool ran), and with its output capped, so a runaway loop cannot fill the
// test's memory. SIGTERM first, SIGKILL after a grace period.

/** How long a signalled run gets to exit before SIGKILL. */
const KILL_GRACE_MS = 2000;
/** Per stream; past it the output is drained and dropped. */
const OUTPUT_CAP_BYTES = 1 << 20;

export interface BoundedRun {
  /** null when the run was killed for outliving the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Reads a stream to the end, keeping at most `cap` bytes of it. */
async function readCapped(stream: ReadableStream<Uint8Array>, cap: number): Promise<string> {
  const kept: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size >= cap) continue;
    const part = chunk.subarray(0, cap - size);
    kept.push(part);
    size += part.length;
  }
  const text = new TextDecoder().decode(Buffer.concat(kept));
  return size >= cap ? `${text}\n[output capped at ${cap} bytes]` : text;
}

export async function runBounded(args: string[], o: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<BoundedRun> {
  const proc = Bun.spawn(args, { cwd: o.cwd, env: o.env, stdin: "ignore", stdout: "pipe", stderr: "pipe", detached: true });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  let timedOut = false;
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      signalGroup("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(KILL_GRACE_MS).then(() => false)]);
      if (exited) return;
    }
    // Children that outlived the run (a backgrounded command) go too.
    signalGroup("SIGKILL");
    await proc.exited;
  };
  const timer = setTimeout(() => {
    timedOut = true;
    void stop();
  }, o.timeoutMs);
  try {
    const [stdout, stderr, code] = await Promise.all([
      readCapped(proc.stdout, OUTPUT_CAP_BYTES),
      readCapped(proc.stderr, OUTPUT_CAP_BYTES),
      proc.exited,
    ]);
    return { code: timedOut ? null : code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    await stop();
  }
}
