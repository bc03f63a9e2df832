// A stream leaves nothing behind on the signals it follows. The stop signal is the
// gateway's own, shared by every stream it serves until it shuts down: a listener a stream
// left there kept that stream (its request, relay and last batch) for the life of the
// process, about 10 KB per stream ever served, and made each new stream's addEventListener
// walk all the old ones. The client's signal is watched (upstream/abort-watch.ts), not
// listened to: no watch may outlive its stream either.
import { describe, expect, test } from "bun:test";
import type { GatewayError } from "../../../src/protocol/errors.ts";
import { Batch, type Source } from "../../../src/relay/frames.ts";
import { outgoing, type Relay, type StreamEnd } from "../../../src/relay/stream.ts";
import { watchedCount } from "../../../src/upstream/abort-watch.ts";

/** A real AbortSignal whose listeners are counted as they are added and removed. */
function countedSignal(): { ctl: AbortController; signal: AbortSignal; live: () => number } {
  const ctl = new AbortController();
  const signal = ctl.signal;
  const listeners = new Set<unknown>();
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((type: string, fn: EventListenerOrEventListenerObject, o?: AddEventListenerOptions) => {
    listeners.add(fn);
    add(type, fn, o);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, fn: EventListenerOrEventListenerObject, o?: EventListenerOptions) => {
    listeners.delete(fn);
    remove(type, fn, o);
  }) as typeof signal.removeEventListener;
  return { ctl, signal, live: () => listeners.size };
}

const chunk = (text: string) => new Batch(new TextEncoder().encode(`data: {"choices":[{"delta":{"content":"${text}"}}]}\n\n`));

/** A source that yields `batches`, then ends cleanly, fails, or waits forever. */
function source(batches: Batch[], then: "end" | "fail" | "hang"): Source {
  let i = 0;
  return {
    read: () => {
      if (i < batches.length) return Promise.resolve(batches[i++]);
      if (then === "end") return Promise.resolve(null);
      if (then === "fail") return Promise.reject(new Error("socket reset"));
      return new Promise(() => {});
    },
    cancel() {},
  };
}

function start(src: Source) {
  const stop = countedSignal();
  const client = countedSignal();
  let end: StreamEnd | null = null;
  const relay: Relay = { source: src, stages: [], upstreamName: "up", abort() {} };
  const body = outgoing({
    terminal: (e: GatewayError) => `data: {"error":{"message":${JSON.stringify(e.message)}}}\n\n`,
    heartbeatMs: 15_000,
    relay,
    clientSignal: client.signal,
    stopSignal: stop.signal,
    onEnd: (e) => (end = e),
  });
  return { body, stop, client, ended: () => end };
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe("outgoing stream: listeners", () => {
  test("a stream that ends cleanly leaves no listener on the stop or the client signal", async () => {
    const s = start(source([chunk("a"), chunk("b")], "end"));
    expect(s.stop.live()).toBe(1); // listening while it runs
    const text = await readAll(s.body);
    expect(text).toContain('"content":"b"');
    expect(s.ended()?.outcome).toBe("ok");
    expect(s.stop.live()).toBe(0);
    expect(s.client.live()).toBe(0);
    expect(watchedCount()).toBe(0);
  });

  test("nor does one whose upstream fails mid-way", async () => {
    const s = start(source([chunk("a")], "fail"));
    const text = await readAll(s.body);
    expect(text).toContain("socket reset");
    expect(s.ended()?.outcome).toBe("error");
    expect(s.stop.live()).toBe(0);
    expect(s.client.live()).toBe(0);
    expect(watchedCount()).toBe(0);
  });

  test("nor one the client leaves, by cancelling the body or by its signal", async () => {
    const a = start(source([chunk("a")], "hang"));
    const reader = a.body.getReader();
    await reader.read();
    await reader.cancel("gone");
    expect(a.ended()?.outcome).toBe("cancelled");
    expect(a.stop.live()).toBe(0);
    expect(a.client.live()).toBe(0);
    expect(watchedCount()).toBe(0);

    const b = start(source([chunk("a")], "hang"));
    const r2 = b.body.getReader();
    await r2.read();
    const pending = r2.read();
    expect(watchedCount()).toBe(1);
    b.client.ctl.abort(new Error("client went away"));
    // Seen at the watch's next sweep (every 50 ms): waited for, boundedly.
    for (let i = 0; i < 100 && !b.ended(); i++) await Bun.sleep(10);
    expect(b.ended()?.outcome).toBe("cancelled");
    expect(b.stop.live()).toBe(0);
    expect(b.client.live()).toBe(0);
    expect(watchedCount()).toBe(0);
    r2.cancel().catch(() => {});
    await pending.catch(() => {});
  });

  test("the stop signal still ends a stream that is running with the terminal event", async () => {
    const s = start(source([chunk("a")], "hang"));
    const reader = s.body.getReader();
    await reader.read();
    s.stop.ctl.abort(new Error("shutting down"));
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain("shutting down");
    expect(s.ended()?.outcome).toBe("error");
    expect(s.stop.live()).toBe(0);
  });

  test("many streams in a row: the stop signal holds none of them", async () => {
    const stop = countedSignal();
    for (let i = 0; i < 50; i++) {
      const relay: Relay = { source: source([chunk(String(i))], "end"), stages: [], upstreamName: "up", abort() {} };
      const body = outgoing({
        terminal: () => "data: {}\n\n",
        heartbeatMs: 15_000,
        relay,
        stopSignal: stop.signal,
        onEnd: () => {},
      });
      await readAll(body);
    }
    expect(stop.live()).toBe(0);
  });
});
