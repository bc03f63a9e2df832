// How long and how much an upstream's answer may take once its headers are in, and the
// bounded read of a whole body. Without these a server that sends headers and then
// silence, trickles a byte at a time, or never ends holds the request and its slot forever.
import type { UpstreamConfig } from "../config/resolve.ts";
import { realClock, type SetTimer } from "./clock.ts";

export interface AnswerLimits {
  idleMs: number;
  maxMs: number;
  maxBytes: number;
}

/** An error answer is read this far, for its message: enough for any, and never a flood or a hang. */
export const ERROR_BODY_LIMITS: AnswerLimits = { idleMs: 5_000, maxMs: 10_000, maxBytes: 64 * 1024 };

export function limitsOf(u: UpstreamConfig): AnswerLimits {
  return { idleMs: u.idleTimeoutMs, maxMs: u.maxAnswerMs, maxBytes: u.maxAnswerBytes };
}

/** Why an answer was cut: it said too little for too long, took too long, or was too big. */
export class AnswerLimitError extends Error {
  constructor(
    readonly limit: "idle_timeout" | "max_answer_duration" | "max_answer_bytes",
    message: string,
  ) {
    super(message);
    this.name = "AnswerLimitError";
  }
}

export function idleError(ms: number): AnswerLimitError {
  return new AnswerLimitError("idle_timeout", `no data for ${ms} ms (idle_timeout)`);
}
export function durationError(ms: number): AnswerLimitError {
  return new AnswerLimitError("max_answer_duration", `the answer took longer than ${ms} ms (max_answer_duration)`);
}
export function sizeError(bytes: number): AnswerLimitError {
  return new AnswerLimitError("max_answer_bytes", `the answer grew past ${bytes} bytes (max_answer_bytes)`);
}

/**
 * A body read whole within limits: each read within idleMs, all of it within maxMs and
 * maxBytes; `truncate` returns what came within maxBytes instead of failing (an error body).
 */
export async function readWhole(res: Response, l: AnswerLimits, o: { setTimer?: SetTimer; truncate?: boolean } = {}): Promise<string> {
  const setTimer = o.setTimer ?? realClock.setTimer;
  const declared = Number(res.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && !o.truncate) {
    // A declared length (the common case: a JSON answer): too big is known now, and the body
    // is read natively; it must all arrive within idleMs (there is no "between reads" to watch).
    // `res.body` is not touched on this path: the getter builds a ReadableStream for a body
    // that text() reads without one (it was the largest part of a passthrough's body read).
    if (declared > l.maxBytes) {
      res.body?.cancel().catch(() => {});
      throw sizeError(l.maxBytes);
    }
    const text = res.text();
    // A body already in hand (http1.ts gives a small answer's bytes with its head) is read by
    // now: no timer, promise or race for it (they were a tenth of the attempt's own time).
    if (Bun.peek.status(text) === "fulfilled") return Bun.peek(text) as string;
    let cancel = () => {};
    const late = new Promise<never>((_, reject) => {
      cancel = setTimer(() => reject(idleError(l.idleMs)), Math.min(l.idleMs, l.maxMs));
    });
    late.catch(() => {});
    try {
      return await Promise.race([text, late]);
    } catch (err) {
      res.body?.cancel(err).catch(() => {});
      throw err;
    } finally {
      cancel();
    }
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  let fail: ((e: Error) => void) | null = null;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const cancelTotal = setTimer(() => fail?.(durationError(l.maxMs)), l.maxMs);
  try {
    for (;;) {
      const cancelIdle = setTimer(() => fail?.(idleError(l.idleMs)), l.idleMs);
      let step: ReadableStreamDefaultReadDoneResult | ReadableStreamDefaultReadValueResult<Uint8Array>;
      try {
        step = await Promise.race([reader.read(), failed]);
      } finally {
        cancelIdle();
      }
      if (step.done) break;
      total += step.value.length;
      if (total > l.maxBytes) {
        if (!o.truncate) throw sizeError(l.maxBytes);
        parts.push(step.value.subarray(0, step.value.length - (total - l.maxBytes)));
        break;
      }
      parts.push(step.value);
    }
  } catch (err) {
    reader.cancel(err).catch(() => {});
    // An error body is only read for its message: what came in time is enough.
    if (!(o.truncate && err instanceof AnswerLimitError)) throw err;
  } finally {
    cancelTotal();
  }
  if (o.truncate && total > l.maxBytes) reader.cancel().catch(() => {});
  return new TextDecoder().decode(Buffer.concat(parts));
}
