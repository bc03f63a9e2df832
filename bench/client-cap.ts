// Bun's fetch lets 256 requests per process be in flight (BUN_CONFIG_MAX_HTTP_REQUESTS, read
// once at start-up, so setting it later does nothing) and queues the rest silently (issue 13).
// The load generator must not: its own queue would show up as the gateway's latency. The
// servers under test run as deployed: the gateway's service units and `npm start` raise the
// limit to 4096 (upstream/fetch-cap.ts keeps its own line below it), and so does the bench,
// for every server alike.
export const CLIENT_CAP_ENV = "BUN_CONFIG_MAX_HTTP_REQUESTS";
const CLIENT_CAP = "4096";

/** Re-runs this script with the cap raised when it is not (`npx bun bench/run.ts` works too). */
export async function ensureClientCap(): Promise<void> {
  if (process.env[CLIENT_CAP_ENV]) return;
  const child = Bun.spawn([process.execPath, ...process.argv.slice(1)], {
    env: { ...process.env, [CLIENT_CAP_ENV]: CLIENT_CAP },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(await child.exited);
}

/** The environment for a server under test: the cap as the service units set it. */
export function serverEnv(): Record<string, string | undefined> {
  return { ...process.env, [CLIENT_CAP_ENV]: "4096" };
}
