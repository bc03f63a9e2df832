import { describe, expect, test } from "bun:test";
import { Flights } from "../../../src/cache/coalesce.ts";
import { teeBody } from "../../../src/cache/tee.ts";

describe("Flights / Flight", () => {
  test("a started flight is found by key until it ends; ending another flight's key does nothing", () => {
    const flights = new Flights();
    const f = flights.start("k");
    expect(flights.get("k")).toBe(f);
    expect(flights.size).toBe(1);
    const g = flights.start("k"); // a newer flight under the same key replaces the old one
    flights.end("k", f);
    expect(flights.get("k")).toBe(g);
    flights.end("k", g);
    expect(flights.get("k")).toBeUndefined();
    expect(flights.size).toBe(0);
  });

  test("followers that join get the leader's head", async () => {
    const flights = new Flights();
    const f = flights.start("k");
    const leader = new AbortController();
    const follower = new AbortController();
    f.join(leader.signal);
    const joined = flights.get("k")!;
    joined.join(follower.signal);
    const headers = new Headers({ "content-type": "application/json" });
    f.resolve({ status: 200, headers, tee: null, text: null });
    const head = await joined.head;
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toBe("application/json");
  });

  test("the upstream is aborted only when every party has left", async () => {
    const flights = new Flights();
    const f = flights.start("k");
    const a = new AbortController();
    const b = new AbortController();
    const pa = f.join(a.signal);
    f.join(b.signal);
    const c = f.join(new AbortController().signal);
    a.abort(); // the leader's own client leaves
    pa.release(); // releasing twice counts once
    c.release();
    expect(f.controller.signal.aborted).toBe(false);
    expect(flights.get("k")).toBe(f);
    b.abort();
    expect(f.controller.signal.aborted).toBe(true);
    expect((f.controller.signal.reason as DOMException).name).toBe("AbortError");
    // An abandoned flight leaves the map: the next request starts a new one.
    expect(flights.get("k")).toBeUndefined();
  });

  test("abandoning cancels the body the parties were reading", async () => {
    const flights = new Flights();
    const f = flights.start("k");
    let sourceCancelled = false;
    const source = new ReadableStream<Uint8Array>({
      cancel() {
        sourceCancelled = true;
      },
    });
    const tee = teeBody(source);
    f.resolve({ status: 200, headers: new Headers(), tee, text: null });
    const p = f.join(new AbortController().signal);
    p.release();
    await f.head;
    await new Promise<void>((r) => setImmediate(r));
    expect(tee.ended).toBe(true);
    expect(sourceCancelled).toBe(true);
  });

  test("after finish(), everyone leaving aborts nothing", () => {
    const flights = new Flights();
    const f = flights.start("k");
    const p = f.join(new AbortController().signal);
    f.finish();
    p.release();
    expect(f.controller.signal.aborted).toBe(false);
  });

  test("a party whose signal is already aborted leaves on its own", async () => {
    const flights = new Flights();
    const f = flights.start("k");
    const gone = new AbortController();
    gone.abort();
    f.join(gone.signal);
    expect(f.controller.signal.aborted).toBe(false); // leaves on a microtask, not synchronously
    await Promise.resolve();
    await Promise.resolve();
    expect(f.controller.signal.aborted).toBe(true);
  });
});
