// A target whose box sleeps ([upstream.wake]): before it is tried, a box known to be asleep is
// woken (upstream/wake.ts), and the upstream's while_waking decides what this request does
// meanwhile: "wait" holds it until the box answers (bounded by wake_timeout and the route's
// deadline; a stream meanwhile gets its heartbeats from server/respond.ts's early commit),
// "cloud" passes the target over at once so the next one serves, and later requests find the
// box awake. A target with nothing after it has nowhere to go, so it waits whatever the policy.
import type { Registry, UpstreamState } from "../upstream/registry.ts";
import type { UpstreamHealth } from "../upstream/health.ts";
import { boxAnswers, type Waker } from "../upstream/wake.ts";
import { NO_EVENTS, type EventSink } from "../status/events.ts";
import { GatewayError } from "../protocol/errors.ts";
import type { Deadline } from "./deadline.ts";

export interface WakeTarget {
  registry: Registry;
  events?: EventSink;
  upstream: UpstreamState;
  h: UpstreamHealth;
  /** Nothing is left to try after this target. */
  last: boolean;
  now: () => number;
}

/** null: go on and try the target; otherwise why it is passed over, or why the request ends. */
export type WakeVerdict = null | { skip: string } | { error: GatewayError } | { ended: "deadline" | "client" };

export async function wakeGate(t: WakeTarget, dl: Deadline): Promise<WakeVerdict> {
  const w = t.h.wake;
  if (!w || !asleep(w, t)) return null;
  const spell = startWake(w, t);
  const name = t.upstream.config.name;
  if (w.config.whileWaking === "cloud" && !t.last) return { skip: `\`${name}\` is asleep: woken by Wake-on-LAN, served elsewhere meanwhile` };
  const woke = await untilAborted(spell, dl.signal);
  if (woke === true) return null;
  if (woke === false) return { error: notWoken(name, w) };
  const reason = dl.signal.reason;
  return { ended: reason instanceof DOMException && reason.message === "deadline" ? "deadline" : "client" };
}

/**
 * An attempt found the box not answering (router/failure-text.ts words every transport failure
 * as `upstream_unreachable`): note it and start the wake. True when the target should be
 * tried again, once, after wakeGate has waited for it.
 */
export function wakeOnRefusal(t: WakeTarget, error: GatewayError): boolean {
  const w = t.h.wake;
  if (!w || error.code !== "upstream_unreachable") return false;
  w.downAt = t.now();
  if (w.config.whileWaking === "wait" || t.last) return true;
  void startWake(w, t);
  return false;
}

function startWake(w: Waker, t: WakeTarget): Promise<boolean> {
  return w.wake(() => boxAnswers(t.registry, t.upstream, t.h, t.events ?? NO_EVENTS));
}

/**
 * Asleep, on the latest evidence: a wake under way; a request refused since the last probe
 * that passed; a probe that got no HTTP answer at all (health.ts words an answer as "GET
 * /models answered N", anything else is transport-error.ts's); or, before any probe, the
 * model-list fetch that got no answer. Wrong guesses cost one packet to an awake box (which
 * ignores it) and one GET /models that answers at once.
 */
function asleep(w: Waker, t: WakeTarget): boolean {
  if (w.wakingSince() !== null) return true;
  const p = t.h.probe;
  if (w.downAt > (p?.ok ? p.at : 0)) return true;
  if (p) return !p.ok && !(p.error ?? "").startsWith("GET /models answered");
  return t.upstream.unreachable;
}

/** The spell's verdict, or undefined once `signal` aborts (the deadline, or the client left). */
function untilAborted(spell: Promise<boolean>, signal: AbortSignal): Promise<boolean | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    spell.then((v) => {
      signal.removeEventListener("abort", onAbort);
      resolve(v);
    });
  });
}

function notWoken(name: string, w: Waker): GatewayError {
  const { mac, broadcast, port, timeoutMs } = w.config;
  const why = w.lastFailure ?? `no answer within ${Math.round(timeoutMs / 1000)} s (wake_timeout)`;
  return new GatewayError(
    "upstream_unreachable",
    `Upstream \`${name}\` is asleep and did not wake: Wake-on-LAN to ${mac} via ${broadcast}:${port}, then ${why}. ` +
      "Check that the box has Wake-on-LAN enabled (BIOS and `ethtool -s IFACE wol g`) and that its model server starts on boot.",
    { status: 503, code: "upstream_asleep", headers: { "retry-after": String(Math.max(1, Math.ceil(timeoutMs / 1000))) } },
  );
}
