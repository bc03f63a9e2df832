// Health changes as events (status/events.ts): reachability from the active probes, and the
// circuit breaker's changes of state. Only transitions are reported: a dead upstream is
// "unreachable" once and "reachable again" once, however many probes fail in between.
import type { EventSink } from "../status/events.ts";
import type { BreakerChange } from "./breaker.ts";

type Probe = { ok: boolean; at: number; error: string | null } | null;

/** What was last reported per upstream; keyed by its health record, which survives a reload. */
const reported = new WeakMap<object, { ok: boolean; since: number }>();

/** Report a change of the last probe's verdict (a first probe that answers is no news). */
export function noteProbe(h: { name: string; probe: Probe }, events: EventSink): void {
  const p = h.probe;
  if (!p) return;
  const last = reported.get(h);
  if (last && last.ok === p.ok) return;
  reported.set(h, { ok: p.ok, since: p.at });
  if (!p.ok) events.emit({ type: "upstream_unreachable", upstream: h.name, reason: p.error ?? "the probe failed" });
  else if (last) events.emit({ type: "upstream_reachable", upstream: h.name, down_for_s: Math.round((p.at - last.since) / 1000) });
}

/**
 * The breaker's changes, folded per outage: it opens (closed → open) once, half-opens once, and
 * closes once with the count of trials that failed meanwhile. A dead upstream would otherwise
 * cycle half-open → open every cool-down, two lines each time, for as long as it is down.
 */
export function circuitEvents(upstream: string, events: EventSink): (c: BreakerChange) => void {
  let halfOpenSeen = false;
  let failedTrials = 0;
  return (c) => {
    if (c.to === "open" && c.from === "half-open") {
      failedTrials++;
      return;
    }
    if (c.to === "open") {
      halfOpenSeen = false;
      failedTrials = 0;
      events.emit({ type: "circuit_open", upstream, reason: c.cause ?? "failures", retry_in_s: Math.ceil(c.retryInMs / 1000) });
    } else if (c.to === "half-open") {
      if (halfOpenSeen) return;
      halfOpenSeen = true;
      events.emit({ type: "circuit_half_open", upstream });
    } else {
      events.emit({ type: "circuit_closed", upstream, failed_trials: failedTrials });
      halfOpenSeen = false;
      failedTrials = 0;
    }
  };
}
