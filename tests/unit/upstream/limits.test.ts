import { expect, test } from "bun:test";
import { AnswerLimitError, readWhole } from "../../../src/upstream/limits.ts";
import type { SetTimer } from "../../../src/upstream/clock.ts";

const limits = { idleMs: 1_000, maxMs: 5_000, maxBytes: 1024 };

/** A SetTimer that counts what is set and fires only when told. */
function timers() {
  const set: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const setTimer: SetTimer = (fn, ms) => {
    const t = { fn, ms, cancelled: false };
    set.push(t);
    return () => {
      t.cancelled = true;
    };
  };
  return { set, setTimer };
}

test("a declared body already in hand is read at once, with no timer set for it", async () => {
  const t = timers();
  const res = new Response(new TextEncoder().encode('{"ok":true}'), { headers: { "content-length": "11" } });
  expect(await readWhole(res, limits, { setTimer: t.setTimer })).toBe('{"ok":true}');
  expect(t.set).toHaveLength(0);
});

test("a declared body still on its way is bounded by the idle limit, and the timer is cancelled when it comes", async () => {
  const t = timers();
  let push: (b: Uint8Array) => void = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      push = (b) => {
        c.enqueue(b);
        c.close();
      };
    },
  });
  const res = new Response(body, { headers: { "content-length": "2" } });
  const reading = readWhole(res, limits, { setTimer: t.setTimer });
  await Bun.sleep(1);
  expect(t.set.map((x) => x.ms)).toEqual([1_000]);
  push(new TextEncoder().encode("ok"));
  expect(await reading).toBe("ok");
  expect(t.set[0]!.cancelled).toBe(true);

  const stalled = readWhole(new Response(new ReadableStream(), { headers: { "content-length": "2" } }), limits, { setTimer: t.setTimer });
  await Bun.sleep(1);
  t.set[1]!.fn();
  const err = await stalled.catch((e) => e);
  expect(err).toBeInstanceOf(AnswerLimitError);
  expect(err.limit).toBe("idle_timeout");
});

test("a declared length past max_answer_bytes is refused before any of it is read", async () => {
  const res = new Response("x".repeat(2048), { headers: { "content-length": "2048" } });
  const err = await readWhole(res, limits).catch((e) => e);
  expect(err.limit).toBe("max_answer_bytes");
});
