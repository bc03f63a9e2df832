// Frames' answer limits (idle between reads, whole duration, size) on an injected clock: one
// timer per stream, and idle counted only while a read waits on the upstream.
import { describe, expect, test } from "bun:test";
import { Frames } from "../../../src/relay/frames.ts";
import { AnswerLimitError } from "../../../src/upstream/limits.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

const enc = new TextEncoder();
const LIMITS = { idleMs: 1_000, maxMs: 10_000, maxBytes: 1_000 };

/** A body the test feeds by hand. */
function feed() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
  });
  return { body, send: (text: string) => ctl.enqueue(enc.encode(text)), end: () => ctl.close(), fail: (e: Error) => ctl.error(e) };
}

/** The read's outcome so far: pending, a batch's text, null (the end), or the limit that cut it. */
function watch(p: Promise<unknown>) {
  const state: { v: unknown } = { v: "pending" };
  p.then(
    (b) => (state.v = b === null ? null : new TextDecoder().decode((b as { bytes: Uint8Array }).bytes)),
    (e) => (state.v = e instanceof AnswerLimitError ? e.limit : String(e)),
  );
  return state;
}

describe("Frames limits", () => {
  test("silence while a read waits is cut at idle_timeout exactly, with one timer for the stream", async () => {
    const clock = new FakeClock();
    const f = feed();
    const frames = new Frames(f.body, LIMITS, clock);
    f.send("data: a\n\n");
    expect(watch(frames.read()).v).toBe("pending");
    await clock.advance(0);
    await clock.advance(400);
    const r = watch(frames.read()); // waits from t=400
    await clock.advance(999);
    expect(r.v).toBe("pending");
    expect(clock.pending()).toBe(1);
    await clock.advance(1);
    expect(r.v).toBe("idle_timeout");
    expect(frames.cutSignal.aborted).toBe(true);
    expect(clock.pending()).toBe(0);
  });

  test("a client that stops reading is not the upstream's silence: nothing is cut meanwhile", async () => {
    const clock = new FakeClock();
    const f = feed();
    const frames = new Frames(f.body, LIMITS, clock);
    f.send("data: a\n\n");
    const first = watch(frames.read());
    await clock.advance(0);
    expect(first.v).toBe("data: a\n\n");
    // No read for five idle periods (the client is slow), the upstream sent more meanwhile.
    f.send("data: b\n\n");
    await clock.advance(5_000);
    expect(frames.cutSignal.aborted).toBe(false);
    const next = watch(frames.read());
    await clock.advance(0);
    expect(next.v).toBe("data: b\n\n");
    expect(clock.pending()).toBe(1);
  });

  test("steady data does not outlive max_answer_duration; the end leaves no timer behind", async () => {
    const clock = new FakeClock();
    const f = feed();
    const frames = new Frames(f.body, LIMITS, clock);
    // A chunk every half second, each read at once: never idle, but ten seconds in all.
    for (let t = 0; t < 10_000; t += 500) {
      f.send(`data: ${t}\n\n`);
      const r = watch(frames.read());
      await clock.advance(0);
      expect(r.v).toBe(`data: ${t}\n\n`);
      expect(frames.cutSignal.aborted).toBe(false);
      await clock.advance(500);
    }
    expect(frames.cutSignal.aborted).toBe(true);
    const late = watch(frames.read());
    await clock.advance(0);
    expect(late.v).toBe("max_answer_duration");

    const g = feed();
    const ended = new Frames(g.body, LIMITS, clock);
    g.send("data: x\n\n");
    g.end();
    const a = watch(ended.read());
    await clock.advance(0);
    const b = watch(ended.read());
    await clock.advance(0);
    expect([a.v, b.v]).toEqual(["data: x\n\n", null]);
    expect(clock.pending()).toBe(0);
  });

  test("more than max_answer_bytes is cut as it passes the limit", async () => {
    const clock = new FakeClock();
    const f = feed();
    const frames = new Frames(f.body, LIMITS, clock);
    f.send(`data: ${"x".repeat(600)}\n\n`);
    const a = watch(frames.read());
    await clock.advance(0);
    expect(a.v).toContain("xxx");
    f.send(`data: ${"y".repeat(600)}\n\n`);
    const b = watch(frames.read());
    await clock.advance(0);
    expect(b.v).toBe("max_answer_bytes");
    expect(clock.pending()).toBe(0);
  });

  test("a stream that breaks leaves no timer behind", async () => {
    const clock = new FakeClock();
    const f = feed();
    const frames = new Frames(f.body, LIMITS, clock);
    const r = watch(frames.read());
    await clock.advance(0);
    expect(clock.pending()).toBe(1);
    f.fail(new Error("connection reset"));
    await clock.advance(0);
    expect(r.v).toContain("connection reset");
    expect(clock.pending()).toBe(0);
  });
});

describe("Frames limits: durations on a clock that never steps", () => {
  test("the wall clock stepped forward an hour (NTP on a Pi) cuts nothing; the step-free clock still bounds the silence", async () => {
    const clock = new FakeClock();
    let wall = clock.now();
    // now() is the wall clock, stepped forward by an hour mid-stream; elapsed() is the step-free one.
    const stepped = { now: () => wall, elapsed: clock.now, setTimer: clock.setTimer };
    const f = feed();
    const frames = new Frames(f.body, LIMITS, stepped);
    f.send("data: a\n\n");
    expect(watch(frames.read()).v).toBe("pending");
    await clock.advance(0);
    const r = watch(frames.read());
    await clock.advance(500);
    wall += 3_600_000;
    await clock.advance(499);
    expect(r.v).toBe("pending"); // measured on the wall clock this read would have been "idle" for an hour
    f.send("data: b\n\n");
    await clock.advance(0);
    expect(r.v).toBe("data: b\n\n");
    const s = watch(frames.read());
    await clock.advance(1_000);
    expect(s.v).toBe("idle_timeout");
  });
});
