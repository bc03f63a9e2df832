// An upstream's SSE body framed into whole events, once. Every stage after it (the
// first-token gate, usage, the recorder, the translator, a mid-stream continuation) reads
// these batches instead of scanning the bytes again; a batch's events are parsed only when a
// stage asks for them, so a plain relay forwards the upstream's bytes untouched.
import { type DataSpans, encodeEvents, parseEvents, plainDataSpans, type SseEvent } from "../protocol/sse.ts";
import { concat } from "../protocol/bytes.ts";
import { firstEventEnd, lastEventEnd } from "../protocol/sse-boundary.ts";
import type { AnswerLimits } from "../upstream/limits.ts";
import { durationError, idleError, sizeError } from "../upstream/limits.ts";
import { type Clock, realClock } from "../upstream/clock.ts";
import { AbortLine, type Abortable } from "../upstream/abort-line.ts";
import { streamed } from "./collect.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** One or more whole events, as the bytes that carried them. */
export class Batch {
  private parsed: SseEvent[] | undefined;
  private decoded: string | undefined;
  private plainSpans: DataSpans | null | undefined;
  constructor(readonly bytes: Uint8Array) {}

  get events(): SseEvent[] {
    this.parsed ??= parseEvents(this.text);
    return this.parsed;
  }

  /** The bytes as text, decoded once however many stages read it. */
  get text(): string {
    this.decoded ??= decoder.decode(this.bytes);
    return this.decoded;
  }

  /**
   * Where the data of each event is. A batch of plain `data: …` events (every chat stream)
   * is read where it lies, without the parser's per-event objects and copies: the translator
   * reads every event of a stream and needs nothing else of them.
   */
  get data(): DataSpans {
    return this.plain ?? joinedData(this.events);
  }

  /** The batch's data spans when every event is a plain `data: …` one, else null; found once. */
  get plain(): DataSpans | null {
    if (this.plainSpans === undefined) {
      const spans = plainDataSpans(this.text);
      this.plainSpans = spans && { text: this.text, spans };
    }
    return this.plainSpans;
  }

  /**
   * A batch a stage wrote as SSE text; its events are parsed from that text if anyone asks.
   * The text must be well-formed UTF-16 (JSON.stringify's output is), so it is what the bytes
   * decode to.
   */
  static fromText(text: string): Batch {
    const b = new Batch(encoder.encode(text));
    b.decoded = text;
    return b;
  }

  /** A batch of already-parsed events (what a stage made or kept). */
  static of(events: SseEvent[], bytes: Uint8Array): Batch {
    const b = new Batch(bytes);
    b.parsed = events;
    return b;
  }

  /** Events a stage made or kept, as the batch their raw texts make; null for none. */
  static encode(events: SseEvent[]): Batch | null {
    return events.length ? Batch.of(events, encodeEvents(events)) : null;
  }
}

/** Parsed events' data, end to end in one text (for events that are not all plain). */
function joinedData(events: SseEvent[]): DataSpans {
  const spans: number[] = [];
  let at = 0;
  for (const ev of events) {
    spans.push(at, at + ev.data.length);
    at += ev.data.length;
  }
  return { text: events.map((ev) => ev.data).join(""), spans };
}

/** Where a stream's batches come from: an upstream body, or several one after another. */
export interface Source {
  /** The next batch; null at a clean end. Throws when the stream broke. */
  read(): Promise<Batch | null>;
  cancel(reason?: unknown): void;
  /** Aborts when a limit cut the source, whether or not anyone is reading. */
  readonly cutSignal?: Abortable;
}

export class Frames implements Source {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly back: Batch[] = [];
  private bytes = 0;
  private readonly clock: Pick<Clock, "now" | "elapsed" | "setTimer">;
  /** The clock's step-free time: every limit here is a duration (clock.ts says why). */
  private readonly elapsed: () => number;
  /** The one timer that watches both limits (null when there are none, or once it is over). */
  private cancelTimer: (() => void) | null = null;
  private startedAt = 0;
  /** When the read now waiting on the upstream began; -1 while none is (the client is slow). */
  private readStarted = -1;
  /** Set when a limit cut the stream: every read from then on fails with it. */
  private cut: Error | null = null;
  // A plain line, not an AbortController: one fewer EventTarget a stream (abort-line.ts says why).
  private readonly cutLine = new AbortLine();
  /** Aborts when a limit cuts the stream, even while nobody is reading it (a client that stopped). */
  readonly cutSignal: Abortable = this.cutLine;

  /** `limits`: silence between reads, the whole stream's duration and size (upstream/limits.ts). */
  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly limits?: AnswerLimits,
    clock?: Pick<Clock, "now" | "elapsed" | "setTimer">,
  ) {
    this.reader = body.getReader();
    this.clock = clock ?? realClock;
    this.elapsed = this.clock.elapsed ?? this.clock.now;
    if (limits) {
      this.startedAt = this.elapsed();
      this.arm(Math.min(limits.idleMs, limits.maxMs));
    }
  }

  // One timer per stream, not one per read: a read only notes when it began, and the timer,
  // when it fires, cuts the stream or sets itself again for whichever limit comes next. Arming
  // and clearing a timer and racing a promise for every read showed in the per-chunk cost of
  // fast streams.
  private arm(ms: number): void {
    this.cancelTimer = this.clock.setTimer(() => this.check(), ms);
  }

  private check(): void {
    this.cancelTimer = null;
    const l = this.limits;
    if (this.cut || !l) return;
    const now = this.elapsed();
    const total = l.maxMs - (now - this.startedAt);
    // Idle is silence while a read waits: a client that is not reading does not count.
    const idle = this.readStarted < 0 ? l.idleMs : l.idleMs - (now - this.readStarted);
    if (total <= 0) this.stop(durationError(l.maxMs));
    else if (idle <= 0) this.stop(idleError(l.idleMs));
    else this.arm(Math.min(total, idle));
  }

  private disarm(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private stop(e: Error): void {
    if (this.cut) return;
    this.cut = e;
    this.cutLine.abort(e);
    this.disarm();
    // Cancelling ends a read that is waiting (it resolves as done), which then throws `cut`.
    this.reader.cancel(e).catch(() => {});
  }

  /** One upstream read, within the limits. */
  private async next(): Promise<ReadableStreamDefaultReadDoneResult | ReadableStreamDefaultReadValueResult<Uint8Array>> {
    if (this.cut) throw this.cut;
    const l = this.limits;
    if (!l) return this.reader.read();
    this.readStarted = this.elapsed();
    let step: ReadableStreamDefaultReadDoneResult | ReadableStreamDefaultReadValueResult<Uint8Array>;
    try {
      step = await this.reader.read();
    } catch (err) {
      this.disarm(); // the stream broke: nothing is left to watch
      throw err;
    } finally {
      this.readStarted = -1;
    }
    if (this.cut) throw this.cut;
    if (!step.done) {
      this.bytes += step.value.length;
      if (this.bytes > l.maxBytes) {
        this.stop(sizeError(l.maxBytes));
        throw this.cut;
      }
    } else this.disarm();
    return step;
  }

  /** Puts batches back in front (the first-token gate read them ahead). */
  unread(batches: Batch[]): void {
    this.back.unshift(...batches);
  }

  async read(): Promise<Batch | null> {
    const queued = this.back.shift();
    if (queued) return queued;
    for (;;) {
      const { value, done } = await this.next();
      if (done) {
        const held = this.takeHeld();
        if (!held) return null;
        if (lastEventEnd(held, true) === held.length) return new Batch(held);
        // The last event's lines are complete but the blank line after it never came (some
        // servers end that way): complete it with the same terminator so the client sees it.
        const last = held[held.length - 1];
        if (last === 10 || last === 13) return new Batch(concat(held, new Uint8Array([last])));
        throw new Error("the stream ended in the middle of an event");
      }
      streamed(value.length);
      if (this.parts.length === 0) {
        // Fast path: nothing held; a chunk that ends on an event boundary goes on as is.
        const end = lastEventEnd(value);
        if (end === value.length) return new Batch(value);
        if (end === -1) {
          this.hold(value);
          continue;
        }
        this.hold(value.slice(end));
        return new Batch(value.subarray(0, end));
      }
      // Part of an event is held: look for its end only in the new bytes (and the few held
      // ones a blank line can straddle), so one huge event costs O(n), not a rescan per read.
      // Only that one event is copied together with what was held; the whole events after it
      // go on as a view of the new bytes (copying every read whole showed as a fifth of the
      // relay's CPU when a fast upstream's reads cut events at random places).
      let first = -1;
      if (value[0] === 10 || value[0] === 13) {
        // A blank line may straddle the two reads: look at its few bytes only.
        const tail = this.tail(3);
        const across = firstEventEnd(concat(tail, value.subarray(0, 4)));
        if (across > tail.length) first = across - tail.length;
      }
      if (first === -1) first = firstEventEnd(value);
      if (first === -1) {
        this.hold(value);
        continue;
      }
      const last = Math.max(first, lastEventEnd(value));
      this.hold(value.subarray(0, first));
      const head = this.takeHeld()!;
      if (last > first) this.back.push(new Batch(value.subarray(first, last)));
      if (last < value.length) this.hold(value.slice(last));
      return new Batch(head);
    }
  }

  private parts: Uint8Array[] = [];
  private heldLen = 0;

  private hold(b: Uint8Array): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.heldLen += b.length;
  }

  private takeHeld(): Uint8Array | null {
    if (this.parts.length === 0) return null;
    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    this.heldLen = 0;
    return out;
  }

  /** The last n held bytes (fewer if fewer are held). */
  private tail(n: number): Uint8Array {
    const out: number[] = [];
    for (let i = this.parts.length - 1; i >= 0 && out.length < n; i--) {
      const p = this.parts[i];
      for (let j = p.length - 1; j >= 0 && out.length < n; j--) out.unshift(p[j]);
    }
    return new Uint8Array(out);
  }

  cancel(reason?: unknown): void {
    this.disarm();
    this.reader.cancel(reason).catch(() => {});
  }
}

/** Past this size a batch is first judged by its opening events only. */
const PEEK_BYTES = 16 * 1024;

/**
 * Does the batch hold content? A fast upstream can hand over megabytes at once (a whole answer
 * buffered while the gateway was busy); content is in its first few events, so those are
 * parsed first, and the whole batch only when they hold none. Parsing all of it here, for
 * 200 streams at once, was what kept the event loop from new requests for a second.
 */
function hasContent(b: Batch, isContent: (data: string) => boolean): boolean {
  if (b.bytes.length > PEEK_BYTES) {
    const end = lastEventEnd(b.bytes.subarray(0, PEEK_BYTES), true);
    if (end > 0 && parseEvents(b.bytes.subarray(0, end)).some((ev) => isContent(ev.data))) return true;
  }
  // Plain `data:` events (every chat stream) are judged one by one where they lie, up to the
  // first with content (the second, after the role chunk): parsing the whole batch into event
  // objects first was the largest part of the gate's time to the first token.
  const plain = b.plain;
  if (plain) {
    const { text, spans } = plain;
    for (let i = 0; i < spans.length; i += 2) if (isContent(text.slice(spans[i], spans[i + 1]))) return true;
    return false;
  }
  return b.events.some((ev) => isContent(ev.data));
}

/** Reads ahead until an event passes `isContent` or the stream ends; what was read is put back. */
export async function untilContent(frames: Frames, isContent: (data: string) => boolean, signal: Abortable): Promise<void> {
  const read: Batch[] = [];
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {});
  try {
    for (;;) {
      const b = await Promise.race([frames.read(), aborted]);
      if (!b) break;
      read.push(b);
      if (hasContent(b, isContent)) break;
    }
  } finally {
    frames.unread(read);
  }
}
