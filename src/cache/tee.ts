// One answer body fanned out to any number of readers, each from the first byte and at its
// own pace: the leader's client, the coalesced followers that join while it is in flight,
// and (through onChunk/onEnd) the cache recorder.
//
// The source is read at the pace of the fastest reader, not the slowest: a follower that stops
// reading must not hold back the others (issue 4, "each at its own pace"); what it has not read
// yet is kept for it (until the tee is sealed, below).

export interface TeeEnd {
  /** The source closed normally (false: it errored or every reader left). */
  ok: boolean;
  error?: unknown;
}

export interface TeeOptions {
  onChunk?: (chunk: Uint8Array) => void;
  /**
   * Past this many bytes the tee stops taking new readers and lets go of what every reader
   * has read, so a huge answer costs what the slowest reader is behind, not all of it.
   */
  maxRetainBytes?: number;
  /** Heard once, when it stops taking new readers. */
  onSeal?: () => void;
  /** Runs before any reader sees the end, so a record written here is visible to the next request. */
  onEnd?: (end: TeeEnd) => void;
}

export interface Tee {
  /** A reader that starts at the first byte; cancelling it cancels only it (onCancel hears it). */
  branch(onCancel?: () => void): ReadableStream<Uint8Array>;
  /** Stop reading the source (every reader left); branches end with an error. */
  cancel(reason?: unknown): void;
  readonly ended: boolean;
}

export function teeBody(source: ReadableStream<Uint8Array>, o: TeeOptions = {}): Tee {
  // chunks[k] is chunk number base + k; those every reader has passed are dropped once sealed.
  let chunks: Uint8Array[] = [];
  let base = 0;
  let retained = 0;
  let sealed = false;
  const positions = new Set<{ i: number }>();
  const trim = () => {
    if (!sealed) return;
    let min = base + chunks.length;
    for (const p of positions) min = Math.min(min, p.i);
    // Let go in steps, not a copy per chunk; at once when every reader is at the end.
    if (min - base < 64 && min < base + chunks.length) return;
    for (let k = 0; k < min - base; k++) retained -= chunks[k].length;
    chunks = chunks.slice(min - base);
    base = min;
  };
  let end: TeeEnd | null = null;
  let waiters: (() => void)[] = [];
  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const reader = source.getReader();
  const finish = (e: TeeEnd) => {
    if (end) return;
    end = e;
    try {
      o.onEnd?.(e);
    } finally {
      wake();
    }
  };

  // One read at a time, and only while some reader wants a chunk that is not here yet: the
  // answer comes in at the pace of its fastest reader, so a client slower than its upstream
  // holds back the upstream (as an uncached answer does) instead of the tee holding a copy of
  // everything that client has not read yet.
  let reading = false;
  const fill = () => {
    if (reading || end) return;
    reading = true;
    void (async () => {
      try {
        const { value, done } = await reader.read();
        reading = false;
        if (done) return finish({ ok: true });
        if (end) return; // cancelled meanwhile
        chunks.push(value);
        retained += value.length;
        o.onChunk?.(value);
        if (!sealed && o.maxRetainBytes !== undefined && retained > o.maxRetainBytes) {
          sealed = true;
          o.onSeal?.();
          trim();
        }
        wake();
      } catch (error) {
        reading = false;
        finish({ ok: false, error });
      }
    })();
  };

  return {
    get ended() {
      return end !== null;
    },
    cancel(reason) {
      if (end) return;
      finish({ ok: false, error: reason ?? new Error("every reader left") });
      reader.cancel(reason).catch(() => {});
    },
    branch(onCancel) {
      if (sealed) throw new Error("this answer is too large to be shared from its first byte any more");
      const at = { i: 0 };
      positions.add(at);
      let gone = false;
      const leave = () => {
        positions.delete(at);
        trim();
      };
      return new ReadableStream<Uint8Array>({
        async pull(ctl) {
          while (at.i >= base + chunks.length && end === null && !gone) {
            fill();
            await new Promise<void>((r) => waiters.push(r));
          }
          if (gone) return;
          if (at.i < base + chunks.length) {
            ctl.enqueue(chunks[at.i - base]);
            at.i++;
            trim();
          } else {
            leave();
            if (end!.ok) ctl.close();
            else ctl.error(end!.error);
          }
        },
        cancel() {
          gone = true;
          leave();
          wake();
          onCancel?.();
        },
      });
    },
  };
}
