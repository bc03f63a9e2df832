// The one place that turns an exchange's answer into HTTP: a replay from the cache, a
// coalesced follower's copy, a served answer (relayed, translated, or whole), or an error,
// each with the same x-wayfront-* headers. For streams it owns the early commit: an upstream
// that has not sent its first content token within one heartbeat gets a 200 event stream
// committed now, kept alive with comments until it does.
import type { Exchange } from "./exchange.ts";
import { finish, settleLate } from "./exchange.ts";
import { SSE_HEADERS, warningText, wayfrontHeaders } from "./headers.ts";
import { clientGone, type Attempted } from "../router/attempt.ts";
import type { Follow, Hit } from "../cache/front.ts";
import { GatewayError, errorText, toGatewayError } from "../protocol/errors.ts";
import { HEARTBEAT } from "../protocol/sse.ts";
import { clientHeaders } from "../upstream/headers.ts";
import { outgoing, type Relay, type StreamEnd } from "../relay/stream.ts";
import { scanUsage, type Usage } from "../relay/usage.ts";
import { adapt, type Adapted } from "./stages/adapt.ts";
import { damageAnswer } from "./damage.ts";

export type Answer =
  | { kind: "error"; error: unknown }
  | { kind: "hit"; hit: Hit }
  | { kind: "follow"; follow: Follow }
  | { kind: "attempt"; attempt: Promise<Attempted> };

const JSON_TYPE = { "content-type": "application/json" };
const heartbeatText = new TextDecoder().decode(HEARTBEAT);

export async function respond(x: Exchange, a: Answer): Promise<Response> {
  switch (a.kind) {
    case "error":
      return failed(x, a.error);
    case "hit":
      return replayed(x, a.hit);
    case "follow":
      return followed(x, a.follow);
    case "attempt":
      return served(x, a.attempt);
  }
}

/** A body for the client, shared with coalesced followers when this request leads a flight. */
// Headers as a plain object until the Response takes them: one native call, not one per header.
function send(x: Exchange, status: number, headers: Record<string, string>, body: ReadableStream<Uint8Array> | string | null): Response {
  if (x.lead) {
    // Chunked from here on: a follower must not see the end before the recorder does.
    delete headers["content-length"];
    body = x.lead.share(status, new Headers(headers), body);
  }
  return new Response(body, { status, headers });
}

function failed(x: Exchange, err: unknown): Response {
  const e = damageAnswer(x.gw, err) ?? toGatewayError(err);
  finish(x, { status: e.status, outcome: "error", error: e.message });
  const text = errorText(e, x.spec.errors);
  return send(x, e.status, { ...JSON_TYPE, ...e.headers, ...wayfrontHeaders(x) }, text);
}

// What a stored answer saved is the same on every hit on it: scanned once, not per hit (the
// two usage RegExps were 2% of a hit's CPU).
const saved = new WeakMap<object, Usage | null>();
function savedBy(hit: Hit, final: string): Usage | null {
  let u = saved.get(hit.answer);
  if (u === undefined) {
    u = scanUsage(final);
    saved.set(hit.answer, u);
  }
  return u;
}

function replayed(x: Exchange, hit: Hit): Response {
  x.cache = hit.outcome;
  x.age = hit.age;
  // A replayed turn is kept like a fresh one, so previous_response_id works on its (fresh) id too.
  // Rendered once: the usage it saved, the stored turn and a whole answer all read this text.
  const final = hit.final();
  if (x.turn) x.reply = JSON.parse(final);
  finish(x, { status: 200, outcome: "ok", saved: savedBy(hit, final) });
  if (x.body.stream) {
    const includeUsage = (x.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    return new Response(streamOfTexts(hit.stream(includeUsage)), { headers: { ...SSE_HEADERS, ...wayfrontHeaders(x) } });
  }
  return new Response(final, { headers: { ...JSON_TYPE, ...wayfrontHeaders(x) } });
}

async function followed(x: Exchange, f: Follow): Promise<Response> {
  const head = await f.head;
  x.cache = "COALESCED";
  finish(x, { status: head.status, outcome: "ok" });
  const headers = new Headers(head.headers);
  headers.set("x-wayfront-request-id", x.id);
  headers.set("x-wayfront-cache", "COALESCED");
  headers.set("age", "0");
  if (!head.tee) {
    f.party.release();
    return new Response(head.text, { status: head.status, headers });
  }
  try {
    return new Response(
      head.tee.branch(() => f.party.release()),
      { status: head.status, headers },
    );
  } catch {
    // The answer grew past what is shared from its first byte (cache/front.ts) before this
    // follower could start reading: a retry is answered on its own.
    f.party.release();
    return failed(
      x,
      new GatewayError("no_capacity", "This answer is too large to share; retry the request.", { code: "retry", headers: { "retry-after": "0" } }),
    );
  }
}

async function served(x: Exchange, attempt: Promise<Attempted>): Promise<Response> {
  const hb = x.config.server.heartbeatMs;
  // heartbeat = 0 turns heartbeats off, and with them the early commit.
  if (x.body.stream && hb > 0) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const early = new Promise<null>((r) => (timer = setTimeout(() => r(null), hb)));
    const first = await Promise.race([attempt, early]).finally(() => clearTimeout(timer));
    if (first === null) return committedEarly(x, attempt);
  }
  const r = await attempt;
  x.attempts = r.ok ? r.served.attempts : r.attempts;
  if (!r.ok) x.failures = r.failures;
  if (!r.ok) return failed(x, r.error);
  x.served = r.served;
  let out: Adapted;
  try {
    out = adapt(x, r.served);
  } catch (err) {
    return failed(x, err);
  }
  const s = r.served;
  if (out.kind === "whole") {
    const rec = x.lead?.recorder(out.status) ?? null;
    finish(x, {
      status: out.status,
      outcome: "ok",
      usage: out.usage !== undefined ? out.usage : scanUsage(out.text),
      recorded: rec?.finish(out.text),
    });
    const extra = wayfrontHeaders(x);
    const headers = out.passHeaders ? clientHeaders(s.headers, extra) : { ...JSON_TYPE, ...extra };
    return send(x, out.status, headers, out.text);
  }
  const headers = clientHeaders(s.headers, { ...SSE_HEADERS, ...wayfrontHeaders(x) });
  return send(x, out.status, headers, stream(x, out, out.status));
}

/** The stream of an adapted relay: comments first, recorded and ended through the exchange. */
function stream(
  x: Exchange,
  out: Extract<Adapted, { kind: "relay" }>,
  status: number,
  early?: Promise<Relay | GatewayError>,
): ReadableStream<Uint8Array> {
  const rec = x.lead?.recorder(status) ?? null;
  return outgoing({
    terminal: x.spec.terminalError,
    heartbeatMs: x.config.server.heartbeatMs,
    prelude: early ? [heartbeatText] : warningComment(x),
    relay: early ?? out.relay,
    observe: rec ? (b) => rec.push(b) : undefined,
    clientSignal: x.lead?.signal ?? x.request.signal,
    stopSignal: x.gw.closing,
    onEnd: (end: StreamEnd) => {
      if (out.translator && end.outcome !== "cancelled") x.reply = out.translator.final();
      finish(x, {
        status,
        outcome: end.outcome,
        error: end.error?.message,
        usage: end.usage,
        recorded: end.outcome === "ok" ? rec?.finish() : (rec?.abandon() ?? null),
      });
    },
    discard: (relay) => {
      relay.abort();
      relay.source.cancel();
      if (x.served) settleLate(x, x.served);
    },
  });
}

/**
 * Committed before any target answered: a 200 event stream now, heartbeats until the
 * attempt resolves, then its events, or the protocol's terminal error event.
 */
function committedEarly(x: Exchange, attempt: Promise<Attempted>): Response {
  // Filled in once the attempt resolves, for the translator's final response and the log.
  const slot: Extract<Adapted, { kind: "relay" }> = { kind: "relay", status: 200, translator: null, relay: null as never };
  const relay = attempt.then((r): Relay | GatewayError => {
    if (x.finished) {
      // The client left before anyone answered: nobody reads this answer.
      if (r.ok) {
        r.served.abort();
        if (r.served.body.kind === "events") r.served.body.frames.cancel();
        settleLate(x, r.served);
      }
      return clientGone();
    }
    x.attempts = r.ok ? r.served.attempts : r.attempts;
    if (!r.ok) {
      x.failures = r.failures;
      return r.error;
    }
    x.served = r.served;
    let out: Adapted;
    try {
      out = adapt(x, r.served);
    } catch (err) {
      return toGatewayError(err);
    }
    if (out.kind === "whole") {
      r.served.lease.end("ok");
      x.served = null;
      return new GatewayError(
        "upstream_error",
        `Upstream \`${r.served.upstream.config.name}\` answered a stream request with a whole (non-stream) body.`,
        {
          code: "upstream_error",
        },
      );
    }
    slot.translator = out.translator;
    const note = warningComment(x);
    // The headers went out before anyone answered: who did is said here, as a comment.
    const said = `: x-wayfront-upstream: ${r.served.upstream.config.name}\n\n`;
    return { ...out.relay, prelude: [said, ...note] };
  });
  const headers = { ...SSE_HEADERS, ...wayfrontHeaders(x, "pending") };
  return send(x, 200, headers, stream(x, slot, 200, relay));
}

/** What a translation had to leave out, as an SSE comment at the stream's start (clients skip comments). */
function warningComment(x: Exchange): string[] {
  const text = warningText(x.served?.prepared.translation?.warnings ?? x.warnings ?? []);
  return text ? [`: x-wayfront-warning: ${text.replace(/[\r\n]+/g, " ")}\n\n`] : [];
}

const encoder = new TextEncoder();

/** Rendered event texts as a stream, one enqueue per event (the original's boundaries). */
function streamOfTexts(texts: string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < texts.length) controller.enqueue(encoder.encode(texts[i++]));
      else controller.close();
    },
  });
}
