// One request to one upstream: its key, the rewritten model, the client's abort, and a
// first-byte timer (fetch resolves when the response headers arrive).
import type { UpstreamState } from "./registry.ts";
import { authHeaders } from "./registry.ts";
import { upstreamHeaders } from "./headers.ts";
import { realClock, type SetTimer } from "./clock.ts";
import { AbortLine } from "./abort-line.ts";
import { watchAbort } from "./abort-watch.ts";

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
  /** The answer is over (read whole, relayed, or given up): stop following the client's signal. */
  end: () => void;
}

export async function sendUpstream(call: UpstreamCall): Promise<Sent> {
  // A plain abort line, not an AbortController (abort-line.ts says why), fed by the client's
  // signal through a watch rather than a listener (abort-watch.ts says why).
  const line = new AbortLine();
  let end = () => {};
  if (call.signal.aborted) line.abort(call.signal.reason);
  else end = watchAbort(call.signal, () => line.abort(call.signal.reason));
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
    // The body stream keeps using the line, and the watch stays until the answer is over.
    return { response, abort: (reason) => line.abort(reason), end };
  } catch (err) {
    end();
    // A timer abort surfaces as an AbortError; report the reason we set instead.
    throw line.aborted && line.reason instanceof Error ? line.reason : err;
  } finally {
    cancelTimer();
  }
}
