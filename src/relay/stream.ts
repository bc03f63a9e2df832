// The one outgoing event stream: upstream batches (frames.ts) → stages → client, as they
// arrive. It owns what every stream needs exactly once: SSE comment heartbeats while the
// upstream is silent (and while no upstream has answered yet: the early commit), the
// client's disconnect passed upstream (at once when Bun cancels the body, else within a
// sweep of abort-watch.ts), a proper terminal error event when the upstream dies mid-stream,
// and one end report (ok / error / cancelled) with the usage seen.
import { watchAbort } from "../upstream/abort-watch.ts";
import { GatewayError, isGatewayError } from "../protocol/errors.ts";
import { parseEvents, type SseEvent } from "../protocol/sse.ts";
import type { Batch, Source } from "./frames.ts";
import { Heartbeat, streamInterrupted } from "./heartbeat.ts";
import { usageOf, type Usage } from "./usage.ts";
import { nextTurn, overBudget } from "./turn.ts";

export interface StageStep {
  /** What to send on (null: nothing now). */
  out: Batch | null;
  /** This stage knows the answer is over: true when whole, an error when it failed. */
  end?: true | GatewayError;
}

/** One step between the upstream's events and the client's: strip, translate, … */
export interface Stage {
  readonly name: string;
  /** Sent before the first upstream batch (a translator's response.created). */
  open?(): Batch | null;
  push(b: Batch): StageStep;
  /** The upstream closed cleanly: what to send last, and an error when the answer was not whole. */
  close?(): { out: Batch | null; error?: GatewayError };
  /** The stream failed: the client's terminal events, instead of the protocol's default. */
  fail?(e: GatewayError): Uint8Array;
}

/** One served upstream stream, ready to relay. */
export interface Relay {
  source: Source;
  stages: Stage[];
  upstreamName: string;
  /** Abort the upstream request (the client left, or the answer is over). */
  abort(reason?: unknown): void;
  /** Texts sent when the relay starts, before any stage opens (SSE comments). */
  prelude?: string[];
  /**
   * The upstream protocol's end (a passthrough): a stream that closes before its end event
   * ([DONE], a finish_reason, response.completed…) died, whatever the socket says.
   */
  ends?: (bytes: Uint8Array) => "done" | "failed" | null;
  /** The upstream's slot, for a relay that is discarded unread. */
  lease?: { end(outcome: "cancelled"): void };
}

export interface StreamEnd {
  outcome: "ok" | "error" | "cancelled";
  error?: GatewayError;
  usage: Usage | null;
}

export interface OutgoingOptions {
  /** The client protocol's terminal error event; `last` is the last event sent, if known. */
  terminal(e: GatewayError, last: SseEvent | null): string;
  heartbeatMs: number;
  /** Texts sent first (SSE comments; a heartbeat when committing before any upstream answered). */
  prelude?: string[];
  /** The relay, or the promise of one (the early commit): heartbeats flow until it resolves. */
  relay: Relay | Promise<Relay | GatewayError>;
  /** Sees each batch sent to the client (the cache recorder). */
  observe?: (b: Batch) => void;
  /** Runs once, when the stream is over for whatever reason. */
  onEnd(end: StreamEnd): void;
  /**
   * The client's signal. Its abort also aborts the upstream request, whose body may then end
   * (or fail) before this stream hears the cancel: that end is the client's, not the upstream's.
   */
  clientSignal?: AbortSignal;
  /** The gateway is shutting down and the drain is over: end with the terminal error event now. */
  stopSignal?: AbortSignal;
  /** A relay that resolved after the client left: give its resources back. */
  discard?(r: Relay): void;
}

const encoder = new TextEncoder();

export function outgoing(o: OutgoingOptions): ReadableStream<Uint8Array> {
  let relay: Relay | null = null;
  let beat: Heartbeat | null = null;
  let done = false;
  let usage: Usage | null = null;
  let last: Uint8Array | null = null;
  let wireEnd: "done" | "failed" | null = null;

  const onClientGone = () => {
    if (!finish("cancelled")) return;
    relay?.abort(o.clientSignal?.reason);
    relay?.source.cancel(o.clientSignal?.reason);
  };
  let onStop: (() => void) | null = null;
  // The client's signal is watched (upstream/abort-watch.ts), not listened to: a listener added
  // and removed a stream showed in its profile. finish() ends the watch.
  let unwatchClient = () => {};
  const finish = (outcome: StreamEnd["outcome"], error?: GatewayError) => {
    if (done) return false;
    done = true;
    beat?.stop();
    unwatchClient();
    // The stop signal is the gateway's, shared by every stream it ever serves: a listener
    // left on it would keep this stream (its request, relay and last batch) for the life of
    // the process. It is listened to, not watched: a shutdown's terminal event must go out
    // within the drain's last moment, not a sweep later.
    if (onStop) o.stopSignal?.removeEventListener("abort", onStop);
    o.onEnd({ outcome, error, usage });
    return true;
  };
  const send = (ctl: ReadableStreamDefaultController<Uint8Array>, b: Batch | null) => {
    if (!b || b.bytes.length === 0) return false;
    o.observe?.(b);
    last = b.bytes;
    beat?.touch();
    ctl.enqueue(b.bytes);
    return true;
  };
  const lastEvent = () => (last ? (parseEvents(last).at(-1) ?? null) : null);
  const failWith = (ctl: ReadableStreamDefaultController<Uint8Array>, error: GatewayError) => {
    const own = relay?.stages.findLast((s) => s.fail);
    ctl.enqueue(own?.fail ? own.fail(error) : encoder.encode(o.terminal(error, lastEvent())));
    finish("error", error);
    ctl.close();
  };
  /** Runs a batch through the stages from `from` on; reports the first end a stage saw. */
  const through = (b: Batch | null, from: number): StageStep => {
    let out = b;
    let end: StageStep["end"];
    for (let i = from; i < relay!.stages.length && out; i++) {
      const step = relay!.stages[i].push(out);
      out = step.out;
      end ??= step.end;
    }
    return { out, end };
  };

  return new ReadableStream<Uint8Array>({
    start(ctl) {
      onStop = () => {
        if (done) return;
        failWith(ctl, new GatewayError("stream_interrupted", "The gateway is shutting down; the answer is incomplete.", { code: "shutting_down" }));
        relay?.abort(o.stopSignal?.reason);
        relay?.source.cancel(o.stopSignal?.reason);
      };
      o.stopSignal?.addEventListener("abort", onStop, { once: true });
      // Bun may not cancel a response body whose pull is still waiting on the upstream: the
      // client's abort is noticed here (within a sweep), so the end is counted as the client's.
      // One before this point is seen by pull(), as a listener added then would never have run.
      if (o.clientSignal && !o.clientSignal.aborted) unwatchClient = watchAbort(o.clientSignal, onClientGone);
      for (const p of o.prelude ?? []) ctl.enqueue(encoder.encode(p));
      beat = new Heartbeat(ctl, o.heartbeatMs, () => !done);
    },
    async pull(ctl) {
      if (done) return;
      try {
        if (!relay) {
          const r = await o.relay;
          if (done) {
            if (!isGatewayError(r)) o.discard?.(r);
            return;
          }
          if (isGatewayError(r)) return failWith(ctl, r);
          relay = r;
          // A limit that cuts the upstream while the client is not reading (so no pull is
          // waiting on it) still ends the stream, and with it the upstream's slot.
          const cut = relay.source.cutSignal;
          cut?.addEventListener(
            "abort",
            () => {
              if (done) return;
              const why = (cut.reason as Error)?.message ?? "cut";
              failWith(ctl, streamInterrupted(relay!.upstreamName, why));
            },
            { once: true },
          );
          for (const p of relay.prelude ?? []) ctl.enqueue(encoder.encode(p));
          for (const [i, s] of relay.stages.entries()) send(ctl, through(s.open?.() ?? null, i + 1).out);
        }
        for (;;) {
          const b = await relay.source.read();
          // Fairness with other streams and requests (turn.ts); checked once the read is in,
          // since what costs is the batch's work, and 200 reads may resolve in one pass.
          if (overBudget()) await nextTurn();
          if (done) return;
          if (o.clientSignal?.aborted) return void finish("cancelled");
          if (!b) return closeStages(ctl);
          usage = usageOf(b) ?? usage;
          if (relay.ends) wireEnd = relay.ends(b.bytes) ?? wireEnd;
          const step = through(b, 0);
          const sent = send(ctl, step.out);
          if (step.end) {
            // The answer is over (a translator saw [DONE]): whatever the upstream still holds is not ours.
            relay.source.cancel();
            relay.abort();
            if (step.end === true) {
              finish("ok");
              ctl.close();
            } else failWith(ctl, step.end);
            return;
          }
          if (sent) return;
        }
      } catch (err) {
        if (done) return;
        if (o.clientSignal?.aborted) return void finish("cancelled");
        const error = isGatewayError(err) ? err : streamInterrupted(relay?.upstreamName ?? "?", (err as Error)?.message ?? String(err));
        failWith(ctl, error);
      }
    },
    cancel(reason) {
      finish("cancelled");
      relay?.abort(reason);
      relay?.source.cancel(reason);
    },
  });

  function closeStages(ctl: ReadableStreamDefaultController<Uint8Array>): void {
    if (relay!.ends && wireEnd === null) {
      failWith(ctl, streamInterrupted(relay!.upstreamName, "it closed before the answer's end (no [DONE], finish_reason or final event)"));
      return;
    }
    let error: GatewayError | undefined = wireEnd === "failed" ? streamInterrupted(relay!.upstreamName, "it sent an error event") : undefined;
    for (const [i, s] of relay!.stages.entries()) {
      if (!s.close || error) continue;
      const c = s.close();
      error = c.error;
      send(ctl, through(c.out, i + 1).out);
    }
    if (error) {
      finish("error", error);
    } else finish("ok");
    ctl.close();
  }
}
