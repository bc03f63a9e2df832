// Read a request body, refusing more than the limit without buffering it all first, and
// giving up on one that does not arrive in time. Bun's own body cap is set far above ours
// (start.ts), so every over-limit body, declared, chunked or sent beyond what it declared,
// is counted here and answered with our 413; a stalled upload gets our 408.
import { GatewayError } from "../protocol/errors.ts";

/** An answer sent before the body was read whole: the connection cannot carry another request. */
const CLOSE = { connection: "close" };

export async function readBody(req: Request, limit: number, timeoutMs = 0): Promise<string> {
  const tooLarge = () =>
    new GatewayError("body_too_large", `The request body is larger than this gateway's limit of ${limit} bytes (server.body_limit).`, {
      code: "request_too_large",
      headers: CLOSE,
    });
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > limit) throw tooLarge();
  if (declared === 0) return "";
  // With a declared length, req.text() reads it natively: asking for req.body first would make
  // a stream object (and its read buffer) for every request, only to drop it.
  if (!Number.isFinite(declared) && !req.body) return "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late =
    timeoutMs > 0
      ? new Promise<"late">((resolve) => {
          timer = setTimeout(() => resolve("late"), timeoutMs);
        })
      : null;
  const lateError = () =>
    new GatewayError("request_timeout", `The request body did not arrive within ${timeoutMs} ms (server.body_timeout).`, {
      code: "request_timeout",
      headers: CLOSE,
    });
  if (Number.isFinite(declared)) {
    // The common case, a declared length within the limit: Bun reads exactly that many bytes
    // natively (what follows belongs to the next request), so only the time needs watching.
    try {
      const text = late ? await Promise.race([req.text(), late]) : await req.text();
      if (text === "late") throw lateError();
      return text;
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw new GatewayError("invalid_request", "The request body ended before it was complete.", { code: "incomplete_body", headers: CLOSE });
    } finally {
      clearTimeout(timer);
    }
  }
  const reader = req.body!.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const next = late ? await Promise.race([reader.read(), late]) : await reader.read();
      if (next === "late") throw lateError();
      if (next.done) break;
      total += next.value.length;
      if (total > limit) throw tooLarge();
      parts.push(next.value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    if (err instanceof GatewayError) throw err;
    // The client went away (or the connection broke) half-way through its body.
    throw new GatewayError("invalid_request", "The request body ended before it was complete.", { code: "incomplete_body", headers: CLOSE });
  } finally {
    clearTimeout(timer);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}
