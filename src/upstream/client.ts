// One request to one upstream: its key, the rewritten model, the client's abort, and a
// first-byte timer (fetch resolves when the response headers arrive).
import type { UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";
import { upstreamHeaders } from "./headers.ts";
import { realClock, type SetTimer } from "./clock.ts";
import { AbortLine } from "./abort-line.ts";

export class FirstByteTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no response within ${ms} ms`);
    this.name = "FirstByteTimeout";
  }
}

export interface UpstreamCall {
  upstream: UpstreamState;
  /** Path under the upstream's base URL, e.g. "/chat/completions". */
  path: string;
  body: string;
  clientHeaders: Headers;
  /** Aborts when the client goes away or the overall deadline passes. */
  signal: AbortSignal;
  firstByteTimeoutMs: number;
  setTimer?: SetTimer;
}

export interface Sent {
  response: Response;
  /** Abort this attempt (and its body stream). */
  abort: (reason?: unknown) => void;
}

export async function sendUpstream(call: UpstreamCall): Promise<Sent> {
  // A plain abort line, not an AbortController (abort-line.ts says why); the client's signal
  // gets the one listener that feeds it.
  const line = new AbortLine();
  const onParentAbort = () => line.abort(call.signal.reason);
  if (call.signal.aborted) line.abort(call.signal.reason);
  else call.signal.addEventListener("abort", onParentAbort, { once: true });
  const cancelTimer = (call.setTimer ?? realClock.setTimer)(() => line.abort(new FirstByteTimeout(call.firstByteTimeoutMs)), call.firstByteTimeoutMs);
  try {
    const response = await call.upstream.fetch(call.upstream.config.baseUrl + call.path, {
      method: "POST",
      body: call.body,
      headers: upstreamHeaders(call.clientHeaders, authHeaders(call.upstream.config)),
      signal: line,
      // Never follow a redirect to another host carrying our key.
      redirect: "manual",
    });
    return { response, abort: (reason) => line.abort(reason) };
  } catch (err) {
    call.signal.removeEventListener("abort", onParentAbort);
    // A timer abort surfaces as an AbortError; report the reason we set instead.
    throw line.aborted && line.reason instanceof Error ? line.reason : err;
  } finally {
    cancelTimer();
    // The body stream keeps using the line; the parent listener stays until the request ends.
  }
}
