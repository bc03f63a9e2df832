// Admission for one attempt: a slot on the upstream per the route's busy policy, then one in
// the global line (upstream/fetch-cap.ts). The second waits like a queue, within the
// deadline, and gives the first back if it cannot be had. Null: go on to the next target.
import type { Config } from "../config/resolve.ts";
import type { Admission, Release } from "../upstream/admission.ts";
import type { SetTimer } from "../upstream/clock.ts";
import type { UpstreamHealth } from "../upstream/health.ts";
import type { EventSink } from "../status/events.ts";
import type { Deadline } from "./deadline.ts";
import type { Route } from "./resolve.ts";

export interface AdmitInput {
  h: UpstreamHealth;
  route: Pick<Route, "alias" | "targets" | "name">;
  config: Config;
  global: Admission;
  events?: EventSink;
  firstByteTimeoutMs: number;
  deadline: Deadline;
  setTimer: SetTimer;
}

/**
 * A release for both slots, or null to go on to the next target. Synchronous when both are
 * free at once (nearly every request): an async call for every admission was a frame each.
 */
export function admit(a: AdmitInput): Release | null | Promise<Release | null> {
  const own = a.h.admission.tryAcquire();
  if (!own) return admitWaiting(a);
  // A slot free at once ends a busy spell: the next overflow or queueing is news again.
  a.events?.clear(`busy:${a.h.name}`);
  return withGlobal(a, own);
}

/** The global slot too: at once when one is free, else waited for in line. */
function withGlobal(a: AdmitInput, own: Release): Release | Promise<Release | null> {
  const slot = a.global.tryAcquire();
  return slot ? both(slot, own) : globalSlot(a, own);
}

function both(slot: Release, own: Release): Release {
  return () => {
    slot();
    own();
  };
}

/** The global line waits like a queue, within the deadline; the upstream's slot goes back if it cannot be had. */
async function globalSlot(a: AdmitInput, own: Release): Promise<Release | null> {
  const dl = a.deadline;
  const slot = await a.global.acquire({ policy: "queue", maxQueueMs: dl.remaining(), signal: dl.signal, setTimer: a.setTimer });
  if (!slot) {
    own();
    return null;
  }
  return both(slot, own);
}

async function admitWaiting(a: AdmitInput): Promise<Release | null> {
  const own = await waitForUpstream(a);
  return own ? withGlobal(a, own) : null;
}

/** Wait for a slot on this upstream per the alias's busy policy, within the deadline (none was free at once). */
async function waitForUpstream(a: AdmitInput): Promise<Release | null> {
  const { h, route, deadline: dl } = a;
  const alias = route.alias;
  // A single-target route has nowhere to spill to: it waits its turn.
  const policy = alias?.busy ?? (route.targets.length > 1 ? "wait" : "queue");
  a.events?.once(`busy:${h.name}`, () => ({
    type: "upstream_busy",
    upstream: h.name,
    route: route.name,
    policy,
    in_flight: h.admission.outstanding(),
    queued: h.admission.queued(),
  }));
  if (policy === "overflow") return null;
  const maxQueueMs =
    policy === "wait"
      ? Math.min(alias?.maxQueueMs ?? a.config.aliases.get("*")?.maxQueueMs ?? 30_000, dl.remaining())
      : Math.min(a.firstByteTimeoutMs, dl.remaining()); // queue: cloud only after the local timeout
  return h.admission.acquire({ policy, maxQueueMs, signal: dl.signal, setTimer: a.setTimer });
}
