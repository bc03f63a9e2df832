// [upstream.wake] → the resolved Wake-on-LAN settings of one upstream. The schema has checked
// the MAC's and the address's shape; this adds the defaults and the rule that only a local
// box is woken (a cloud API does not sleep, and a packet for it could only reach our own LAN).
import type { WakeSection } from "./schema.ts";
import { ConfigError } from "./load.ts";
import { durationMs } from "./units.ts";
import * as D from "./defaults.ts";

export interface WakeConfig {
  /** As configured, for the log and the status page (a MAC is not a secret). */
  mac: string;
  /** The six bytes of the MAC. */
  macBytes: Uint8Array;
  broadcast: string;
  port: number;
  /** At most one packet per this long, per upstream. */
  intervalMs: number;
  /** How long a request may wait for the box, and how long a wake is watched for. */
  timeoutMs: number;
  /** What a request does while the box wakes: wait for it, or go on to the next (cloud) target. */
  whileWaking: "wait" | "cloud";
}

export function resolveWake(w: WakeSection | undefined, where: { upstream: string; index: number; tier: string; source: string }): WakeConfig | null {
  if (!w) return null;
  if (where.tier !== "local") {
    throw new ConfigError(
      `${where.source}: \`upstream[${where.index}].wake\` (\`${where.upstream}\`) is for a local box; this upstream is tier "${where.tier}"`,
    );
  }
  return {
    mac: w.mac,
    macBytes: macBytes(w.mac),
    broadcast: w.broadcast ?? D.DEFAULT_WAKE_BROADCAST,
    port: w.port ?? D.DEFAULT_WAKE_PORT,
    intervalMs: durationMs(w.wake_interval, D.DEFAULT_WAKE_INTERVAL_MS),
    timeoutMs: durationMs(w.wake_timeout, D.DEFAULT_WAKE_TIMEOUT_MS),
    whileWaking: w.while_waking ?? "wait",
  };
}

/** "aa:bb:cc:dd:ee:ff" or "AA-BB-…" → 6 bytes (the schema's pattern has checked the form). */
export function macBytes(mac: string): Uint8Array {
  return Uint8Array.from(mac.split(/[:-]/), (pair) => Number.parseInt(pair, 16));
}
