// Waking one sleeping local box: a Wake-on-LAN packet at most once per wake_interval, then a
// watch on its GET /models about once a second until it answers or wake_timeout passes. One
// watch (a "spell") per upstream at a time: every request that finds the box asleep joins the
// spell under way instead of starting its own, so ten requests send one packet and one probe
// a second. Probes alone never start a wake: a box woken whenever it is found asleep could
// never sleep; only a request that wants it does (router/wake-gate.ts).
import type { WakeConfig } from "../config/wake.ts";
import type { EventSink } from "../status/events.ts";
import type { Clock } from "./clock.ts";
import { noteProbe } from "./health-events.ts";
import type { UpstreamState } from "./registry.ts";
import { magicPacket, type SendPacket, sendUdp } from "./wake-packet.ts";

/** "Every second or so": a resumed box answers within a probe or two of being up. */
export const WAKE_PROBE_EVERY_MS = 1_000;

/** The real clock, with timers that do not keep a stopping process alive for a wake (bounded as it is). */
const wakeClock: Clock = {
  now: Date.now,
  setTimer(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return () => clearTimeout(t);
  },
};

export interface WakerDeps {
  events: EventSink;
  clock?: Clock;
  send?: SendPacket;
}

export class Waker {
  /** When a request last found the box not answering (connection refused, timed out). */
  downAt = 0;
  /** Why the last spell ended without the box, for the client's error. */
  lastFailure: string | null = null;
  private sentAt: number | null = null;
  private spell: Promise<boolean> | null = null;
  private since: number | null = null;
  /** The last send failed, and no new one is allowed yet: a spell now could only wait in vain. */
  private sendError: string | null = null;
  private readonly clock: Clock;
  private readonly send: SendPacket;
  private readonly packet: Uint8Array;

  constructor(
    readonly upstream: string,
    readonly config: WakeConfig,
    private readonly deps: WakerDeps,
  ) {
    this.clock = deps.clock ?? wakeClock;
    this.send = deps.send ?? sendUdp;
    this.packet = magicPacket(config.macBytes);
  }

  /** ms timestamp the spell under way began; null when none is. */
  wakingSince(): number | null {
    return this.since;
  }

  /** ms timestamp of the last packet sent; null = never. */
  lastSentAt(): number | null {
    return this.sentAt;
  }

  /**
   * Wake the box, or join the wake under way. `answers` asks the box once (true: it answered
   * over HTTP). Resolves true once it answers, false when wake_timeout passes first.
   */
  wake(answers: () => Promise<boolean>): Promise<boolean> {
    this.spell ??= this.watch(answers).finally(() => {
      this.spell = null;
      this.since = null;
    });
    return this.spell;
  }

  private async watch(answers: () => Promise<boolean>): Promise<boolean> {
    const start = this.clock.now();
    this.since = start;
    for (;;) {
      const sent = await this.sendIfDue();
      // A send refused within the same interval was said already: once per interval, like the packet.
      if (sent.failed) return this.fail(start, sent.failed, sent.tried);
      if (await answers().catch(() => false)) {
        this.lastFailure = null;
        this.deps.events.emit({ type: "wake_done", upstream: this.upstream, woke_in_s: seconds(this.clock.now() - start) });
        return true;
      }
      // A probe to a sleeping host can itself take seconds (ARP gives up after about 3 s), so
      // the budget is checked after it, not assumed from the count of probes.
      const left = start + this.config.timeoutMs - this.clock.now();
      if (left <= 0) return this.fail(start, `no answer to GET /models within ${seconds(this.config.timeoutMs)} s (wake_timeout)`);
      await new Promise<void>((r) => this.clock.setTimer(r, Math.min(WAKE_PROBE_EVERY_MS, left)));
    }
  }

  /** Send a packet if wake_interval allows; `failed`: the words of the last send's error, if it failed. */
  private async sendIfDue(): Promise<{ tried: boolean; failed: string | null }> {
    const t = this.clock.now();
    if (this.sentAt !== null && t - this.sentAt < this.config.intervalMs) return { tried: false, failed: this.sendError };
    // Counted before the send: a broadcast address the kernel refuses is tried once per interval, not per request.
    this.sentAt = t;
    const { broadcast, port } = this.config;
    try {
      await this.send(this.packet, { address: broadcast, port });
      this.sendError = null;
      this.deps.events.emit({ type: "wake_sent", upstream: this.upstream, mac: this.config.mac, broadcast: `${broadcast}:${port}` });
      return { tried: true, failed: null };
    } catch (err) {
      this.sendError = `could not send the Wake-on-LAN packet to ${broadcast}:${port}: ${(err as Error)?.message ?? err}`;
      return { tried: true, failed: this.sendError };
    }
  }

  private fail(start: number, reason: string, say = true): false {
    this.lastFailure = reason;
    if (say) this.deps.events.emit({ type: "wake_failed", upstream: this.upstream, after_s: seconds(this.clock.now() - start), reason });
    return false;
  }
}

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** What the box's health needs to hear when a wake finds it answering. */
export interface WakeHealth {
  name: string;
  probe: { ok: boolean; at: number; ms: number; error: string | null } | null;
  breaker: { onSuccess(): void };
}

/**
 * One look at the box: its GET /models through the registry (which also brings its model list
 * in). When it answers, it counts as a passing probe, and its circuit closes at once: a box
 * that was asleep for an hour must not wait out a cool-down once it is up.
 */
export async function boxAnswers(
  registry: { refreshOne(s: UpstreamState): Promise<void> },
  s: UpstreamState,
  h: WakeHealth,
  events: EventSink,
): Promise<boolean> {
  const t0 = performance.now();
  await registry.refreshOne(s);
  if (s.unreachable) return false;
  h.probe = { ok: true, at: Date.now(), ms: Math.round(performance.now() - t0), error: null };
  noteProbe(h, events);
  h.breaker.onSuccess();
  return true;
}
