// Heartbeats: a comment on a silent stream once its interval has passed, never while a
// stream may not take one, none after stop; and every stream with the same interval shares
// one timer, however many are open (a timer each was a thousand wake-ups a second with a
// thousand streams open).
import { afterEach, describe, expect, test } from "bun:test";
import { Heartbeat, heartbeatTimers } from "../../../src/relay/heartbeat.ts";

/** A stand-in for a stream's controller: counts the comments it was given. */
function sink(): { ctl: ReadableStreamDefaultController<Uint8Array>; beats: () => number; close: () => void } {
  let n = 0;
  let closed = false;
  const ctl = {
    enqueue(chunk: Uint8Array) {
      if (closed) throw new TypeError("Invalid state: the stream is closed");
      if (new TextDecoder().decode(chunk).startsWith(":")) n++;
    },
  } as unknown as ReadableStreamDefaultController<Uint8Array>;
  return { ctl, beats: () => n, close: () => (closed = true) };
}

const live: Heartbeat[] = [];

/** Waits (boundedly) until `ok` holds; false if it never did. */
async function until(ok: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) return false;
    await Bun.sleep(10);
  }
  return true;
}
afterEach(() => {
  for (const b of live.splice(0)) b.stop();
});

describe("Heartbeat", () => {
  test("50 silent streams each get their comments from one shared timer, which stops with the last of them", async () => {
    const before = heartbeatTimers();
    const sinks = Array.from({ length: 50 }, () => sink());
    for (const s of sinks) live.push(new Heartbeat(s.ctl, 20, () => true));
    expect(heartbeatTimers()).toBe(before + 1);
    expect(await until(() => sinks.every((s) => s.beats() >= 2))).toBe(true);
    for (const b of live.splice(0)) b.stop();
    expect(heartbeatTimers()).toBe(before);
    const counts = sinks.map((s) => s.beats());
    await Bun.sleep(80);
    expect(sinks.map((s) => s.beats())).toEqual(counts); // none after stop
  });

  test("none before its interval has passed since the last write, and none while the stream may not take one", async () => {
    const quiet = sink();
    const busy = sink();
    const between = sink();
    const slow = new Heartbeat(busy.ctl, 60_000, () => true); // ticks every second, beats after a minute
    live.push(new Heartbeat(quiet.ctl, 20, () => true), slow, new Heartbeat(between.ctl, 20, () => false));
    slow.touch();
    expect(await until(() => quiet.beats() >= 3)).toBe(true);
    expect(busy.beats()).toBe(0);
    expect(between.beats()).toBe(0);
  });

  test("a stream that closed under its heartbeat leaves the shared timer without breaking the others", async () => {
    const gone = sink();
    const alive = sink();
    live.push(new Heartbeat(gone.ctl, 20, () => true), new Heartbeat(alive.ctl, 20, () => true));
    gone.close();
    expect(await until(() => alive.beats() >= 2)).toBe(true);
    expect(gone.beats()).toBe(0);
  });

  test("a wall clock set back an hour (NTP on a Pi) does not silence the heartbeats", async () => {
    const real = Date.now;
    const s = sink();
    live.push(new Heartbeat(s.ctl, 20, () => true));
    Date.now = () => real() - 3_600_000; // after the stream started
    try {
      expect(await until(() => s.beats() >= 2, 1_000)).toBe(true);
    } finally {
      Date.now = real;
    }
  });

  test("an interval of 0 turns heartbeats off: no timer at all", () => {
    const before = heartbeatTimers();
    live.push(new Heartbeat(sink().ctl, 0, () => true));
    expect(heartbeatTimers()).toBe(before);
  });
});
