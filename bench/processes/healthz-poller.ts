// Entry: asks <url>/healthz, waits <intervalMs>, asks again, until its stdin closes; then prints
// one JSON line with every latency (ms) and the number of failures. Its own process, so the
// latencies are the gateway's and not those of a load generator busy reading big streams.
// Prints POLLING_LINE once its first (unrecorded) answer came back.
// argv: <gateway base url> [intervalMs]
export const POLLING_LINE = "POLLING";
// Long on purpose: a gateway that stalls for the whole burst should show as one long answer,
// not as a failure that hides how long it was.
const TIMEOUT_MS = 60_000;

export interface PollResult {
  latenciesMs: number[];
  /** Not 200, or no answer within 60 s (counted, with the time waited as its latency). */
  failures: number;
}

async function ask(url: string): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await res.arrayBuffer();
    return { ms: performance.now() - start, ok: res.status === 200 };
  } catch {
    return { ms: performance.now() - start, ok: false };
  }
}

if (import.meta.main) {
  const url = `${process.argv[2]}/healthz`;
  const interval = Number(process.argv[3] ?? "20");
  let running = true;
  void (async () => {
    for await (const _ of Bun.stdin.stream());
    running = false;
  })();
  await ask(url); // connect first: the first measured poll is not the one that opens the socket
  console.log(POLLING_LINE);
  const out: PollResult = { latenciesMs: [], failures: 0 };
  while (running) {
    const r = await ask(url);
    out.latenciesMs.push(r.ms);
    if (!r.ok) out.failures++;
    if (running) await Bun.sleep(interval);
  }
  console.log(JSON.stringify(out));
  process.exit(0);
}
