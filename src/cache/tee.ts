// One answer body fanned out to any number of readers, each from the first byte and at its
// own pace: the leader's client, the coalesced followers that join while it is in flight,
// and (through onChunk/onEnd) the cache recorder.
//
// The source is read eagerly into memory rather than at the pace of the slowest reader: a
// follower that stops reading must not hold back the others (issue 4, "each at its own
// pace"), and an LLM answer is small next to the cache entry we keep of it anyway.

export interface TeeEnd {
  /** The source closed normally (false: it errored or every reader left). */
  ok: boolean;
  error?: unknown;
}

export interface TeeOptions {
  onChunk?: (chunk: Uint8Array) => void;
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
  const chunks: Uint8Array[] = [];
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

  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (end) return; // cancelled meanwhile
        chunks.push(value);
        o.onChunk?.(value);
        wake();
      }
      finish({ ok: true });
    } catch (error) {
      finish({ ok: false, error });
    }
  })();

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
      let i = 0;
      let gone = false;
      return new ReadableStream<Uint8Array>({
        async pull(ctl) {
          while (i >= chunks.length && end === null && !gone) await new Promise<void>((r) => waiters.push(r));
          if (gone) return;
          if (i < chunks.length) ctl.enqueue(chunks[i++]);
          else if (end!.ok) ctl.close();
          else ctl.error(end!.error);
        },
        cancel() {
          gone = true;
          wake();
          onCancel?.();
        },
      });
    },
  };
}
