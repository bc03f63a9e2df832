// The Waker's spell on an injected clock: packets at most once per wake_interval, one watch
// shared by every waiting request, and its end (awake or not) said once as an event.
import { expect, test } from "bun:test";
import { Waker } from "../../../src/upstream/wake.ts";
import { resolveWake } from "../../../src/config/wake.ts";
import type { GatewayEvent } from "../../../src/status/events.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

const where = { upstream: "gpu", index: 0, tier: "local", source: "t.toml" };

function setUp(o: { interval?: string; timeout?: string; sendFails?: boolean } = {}) {
  const config = resolveWake(
    { mac: "aa:bb:cc:dd:ee:ff", broadcast: "127.0.0.1", port: 9, wake_interval: o.interval ?? "60s", wake_timeout: o.timeout ?? "10s" },
    where,
  )!;
  const clock = new FakeClock();
  const events: GatewayEvent[] = [];
  const sent: Uint8Array[] = [];
  const sink = { emit: (e: GatewayEvent) => void events.push(e), once: () => false, clear: () => false };
  const send = async (p: Uint8Array) => {
    if (o.sendFails) throw new Error("EACCES");
    sent.push(p);
  };
  const waker = new Waker("gpu", config, { events: sink, clock, send });
  let up = false;
  let probes = 0;
  const answers = async () => (probes++, up);
  return { waker, clock, events, sent, answers, wakeUp: () => (up = true), probes: () => probes };
}

test("requests that find the box asleep share one wake: one packet, one probe a second, done once it answers", async () => {
  const t = setUp();
  const a = t.waker.wake(t.answers);
  const b = t.waker.wake(t.answers);
  expect(a).toBe(b);
  await t.clock.flush();
  expect(t.sent).toHaveLength(1);
  expect(t.sent[0].length).toBe(102);
  expect(t.waker.wakingSince()).toBe(t.clock.now());
  await t.clock.advance(3_000);
  expect(t.probes()).toBe(4); // at 0, 1, 2 and 3 s
  t.wakeUp();
  await t.clock.advance(1_000);
  expect(await a).toBe(true);
  expect(t.waker.wakingSince()).toBeNull();
  expect(t.events.map((e) => e.type)).toEqual(["wake_sent", "wake_done"]);
  expect(t.events[0]).toEqual({ type: "wake_sent", upstream: "gpu", mac: "aa:bb:cc:dd:ee:ff", broadcast: "127.0.0.1:9" });
  expect(t.events[1]).toEqual({ type: "wake_done", upstream: "gpu", woke_in_s: 4 });
});

test("a box that never answers: false at wake_timeout, wake_failed; a new wake within wake_interval sends no packet", async () => {
  const t = setUp({ timeout: "3s" });
  const first = t.waker.wake(t.answers);
  await t.clock.advance(3_000);
  expect(await first).toBe(false);
  expect(t.events.at(-1)).toMatchObject({ type: "wake_failed", upstream: "gpu", after_s: 3 });
  expect(t.waker.lastFailure).toContain("wake_timeout");
  const second = t.waker.wake(t.answers);
  await t.clock.advance(3_000);
  expect(await second).toBe(false);
  expect(t.sent).toHaveLength(1);
  expect(t.events.filter((e) => e.type === "wake_sent")).toHaveLength(1);
});

test("a long wake sends again each wake_interval, never more often", async () => {
  const t = setUp({ interval: "2s", timeout: "5s" });
  const spell = t.waker.wake(t.answers);
  await t.clock.advance(5_000);
  expect(await spell).toBe(false);
  expect(t.sent).toHaveLength(3); // at 0, 2 and 4 s
});

test("a packet the kernel refuses ends the wake at once, said once per interval", async () => {
  const t = setUp({ sendFails: true });
  expect(await t.waker.wake(t.answers)).toBe(false);
  expect(await t.waker.wake(t.answers)).toBe(false);
  const failed = t.events.filter((e) => e.type === "wake_failed");
  expect(failed).toHaveLength(1);
  expect(failed[0]).toMatchObject({ after_s: 0, reason: "could not send the Wake-on-LAN packet to 127.0.0.1:9: EACCES" });
  expect(t.probes()).toBe(0);
});
