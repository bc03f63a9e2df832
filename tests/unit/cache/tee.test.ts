import { describe, expect, test } from "bun:test";
import { teeBody, type TeeEnd } from "../../../src/cache/tee.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);

/** A source the test feeds by hand, so every interleaving is chosen, not timed. */
function manualSource() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown;
  let wasCancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel(reason) {
      wasCancelled = true;
      cancelled = reason;
    },
  });
  return {
    stream,
    push: (s: string) => ctl.enqueue(bytes(s)),
    close: () => ctl.close(),
    error: (e: unknown) => ctl.error(e),
    get cancelled() {
      return wasCancelled;
    },
    get reason() {
      return cancelled;
    },
  };
}

async function readAll(r: ReadableStream<Uint8Array>): Promise<string> {
  let out = "";
  const dec = new TextDecoder();
  for await (const c of r) out += dec.decode(c, { stream: true });
  return out + dec.decode();
}

/** Lets the tee's read loop and pending pulls run (a few microtask/macrotask turns). */
const settle = () => new Promise<void>((r) => setImmediate(r));

describe("teeBody", () => {
  test("branches reading at different paces each get every byte from the first", async () => {
    const src = manualSource();
    const ends: TeeEnd[] = [];
    const seen: string[] = [];
    const tee = teeBody(src.stream, { onChunk: (c) => seen.push(new TextDecoder().decode(c)), onEnd: (e) => ends.push(e) });
    const fast = tee.branch();
    const fastText = readAll(fast);
    src.push("a");
    src.push("b");
    await settle();
    // A branch made after some chunks went by still starts at the first byte.
    const late = tee.branch();
    src.push("c");
    await settle();
    // A slow branch: one chunk, a pause while the source moves on, then the rest.
    const slow = tee.branch().getReader();
    const first = await slow.read();
    expect(new TextDecoder().decode(first.value)).toBe("a");
    src.push("d");
    src.close();
    expect(await fastText).toBe("abcd");
    let rest = "";
    for (let r = await slow.read(); !r.done; r = await slow.read()) rest += new TextDecoder().decode(r.value);
    expect("a" + rest).toBe("abcd");
    expect(await readAll(late)).toBe("abcd");
    // A branch made after the end still replays everything.
    expect(await readAll(tee.branch())).toBe("abcd");
    expect(seen).toEqual(["a", "b", "c", "d"]);
    expect(ends).toEqual([{ ok: true }]);
    expect(tee.ended).toBe(true);
  });

  test("a branch cancelled early does not disturb the others or the source", async () => {
    const src = manualSource();
    let cancels = 0;
    const tee = teeBody(src.stream);
    const quitter = tee.branch(() => cancels++).getReader();
    const stayer = readAll(tee.branch());
    src.push("one ");
    expect(new TextDecoder().decode((await quitter.read()).value)).toBe("one ");
    await quitter.cancel("client left");
    expect(cancels).toBe(1);
    src.push("two ");
    src.push("three");
    src.close();
    expect(await stayer).toBe("one two three");
    expect(src.cancelled).toBe(false);
  });

  test("a branch blocked waiting for data can be cancelled; the others still finish", async () => {
    const src = manualSource();
    const tee = teeBody(src.stream);
    const waiting = tee.branch().getReader();
    const pending = waiting.read(); // nothing pushed yet: this read waits
    const other = readAll(tee.branch());
    await settle();
    await waiting.cancel();
    expect((await pending).done).toBe(true);
    src.push("x");
    src.close();
    expect(await other).toBe("x");
  });

  test("a source error ends every branch with it, and onEnd fires once with ok: false", async () => {
    const src = manualSource();
    const ends: TeeEnd[] = [];
    const tee = teeBody(src.stream, { onEnd: (e) => ends.push(e) });
    const a = tee.branch();
    const b = tee.branch().getReader();
    src.push("partial");
    await settle();
    const boom = new Error("upstream died");
    src.error(boom);
    await expect(readAll(a)).rejects.toBe(boom);
    expect(new TextDecoder().decode((await b.read()).value)).toBe("partial");
    await expect(b.read()).rejects.toBe(boom);
    // Cancelling after the end changes nothing.
    tee.cancel("late");
    expect(ends).toHaveLength(1);
    expect(ends[0]!.ok).toBe(false);
    expect(ends[0]!.error).toBe(boom);
  });

  test("onEnd runs before any branch sees the end", async () => {
    const src = manualSource();
    let recorded = false;
    const tee = teeBody(src.stream, { onEnd: () => (recorded = true) });
    const reader = tee.branch().getReader();
    src.push("x");
    src.close();
    await reader.read();
    const last = await reader.read();
    expect(last.done).toBe(true);
    expect(recorded).toBe(true);
  });

  test("cancel() stops the source, errors the branches and reports ok: false once", async () => {
    const src = manualSource();
    const ends: TeeEnd[] = [];
    const tee = teeBody(src.stream, { onEnd: (e) => ends.push(e) });
    const r = tee.branch().getReader();
    src.push("x");
    await r.read();
    const next = r.read();
    tee.cancel("every reader left");
    await expect(next).rejects.toBe("every reader left");
    await settle();
    expect(src.cancelled).toBe(true);
    expect(src.reason).toBe("every reader left");
    tee.cancel("again");
    expect(ends).toEqual([{ ok: false, error: "every reader left" }]);
  });

  test("the source is read as the fastest branch asks, never ahead of every branch", async () => {
    let pulls = 0;
    const source = new ReadableStream<Uint8Array>(
      {
        pull(ctl) {
          pulls++;
          ctl.enqueue(bytes(`chunk ${pulls};`));
          if (pulls === 1000) ctl.close();
        },
      },
      { highWaterMark: 0 },
    );
    const tee = teeBody(source);
    const fast = tee.branch().getReader();
    const slow = tee.branch().getReader();
    for (let i = 0; i < 5; i++) await fast.read();
    await settle();
    await settle();
    // An eager tee would have read all 1,000 chunks into memory by now.
    expect(pulls).toBeLessThanOrEqual(7);
    // The slow branch still gets every chunk from the first, at its own pace.
    expect(new TextDecoder().decode((await slow.read()).value)).toBe("chunk 1;");
    fast.cancel();
    slow.cancel();
  });
});
