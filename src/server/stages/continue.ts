// midstream = "continue": when a stream dies after content has reached the client, the
// request goes to the next target with the partial answer as an assistant prefix, and its
// continuation streams into the same response. The seam is logged, counted and shown in
// the raw stream as an SSE comment (ignored by clients); the answer is never cached.
import { routerContext, type Exchange } from "../exchange.ts";
import type { Continuation } from "../../protocol/apis.ts";
import { API_PATH } from "../../protocol/apis.ts";
import { attemptTargets, type Served } from "../../router/attempt.ts";
import type { Transform } from "../../router/transforms.ts";
import { Batch, type Source } from "../../relay/frames.ts";

const encoder = new TextEncoder();

export function continuing(x: Exchange, served: Served, first: Source, c: Continuation): Source {
  let current = first;
  let next: Served | null = null;
  let partial = "";
  let resumed = false; // the continuation's opening chunks are still to be dropped
  const endNext = (outcome: "ok" | "error" | "cancelled") => next?.lease.end(outcome);

  async function resume(cause: unknown): Promise<Batch> {
    if (!partial) throw cause; // nothing reached the client that needs continuing
    const failed = served.target;
    const wire = served.prepared.wire;
    const sentBody = served.prepared.body;
    const fromPartial: Transform = {
      name: "continue-from-partial",
      apply: (_p, t) => ({ wire, path: API_PATH[wire], body: JSON.stringify({ ...JSON.parse(c.resume(sentBody, partial)), model: t.target.model }) }),
    };
    const r = await attemptTargets(
      {
        spec: x.spec,
        route: x.route!,
        bodyText: x.text,
        body: x.body,
        stream: true,
        clientHeaders: x.request.headers,
        signal: x.lead?.signal ?? x.request.signal,
        transforms: [fromPartial],
        startedAt: Date.now(),
        exclude: new Set([`${failed.upstream}/${failed.model}`]),
      },
      routerContext(x),
    );
    if (!r.ok || r.served.body.kind !== "events") {
      if (r.ok) r.served.lease.end("error");
      throw cause; // no one could continue: the client gets the terminal error event
    }
    next = r.served;
    current = r.served.body.frames;
    resumed = true;
    x.stitched = true;
    const to = next.upstream.config.name;
    x.gw.metrics.seams.inc({ from: failed.upstream, to });
    x.gw.log.event("warn", "midstream continuation", { from: failed.upstream, to, partial_chars: partial.length });
    return new Batch(encoder.encode(`: wayfront midstream continuation ${failed.upstream} → ${to}\n\n`));
  }

  /** Note the text so far; after a seam, drop the continuation's opening chunks. */
  function track(b: Batch): Batch | null {
    const kept = b.events.filter((ev) => {
      const text = c.textOf(ev.data);
      partial += text;
      if (resumed && c.opensAnswer(ev.data)) return false;
      if (resumed && text) resumed = false;
      return true;
    });
    if (kept.length === b.events.length) return b;
    return kept.length ? Batch.of(kept, encoder.encode(kept.map((e) => e.raw).join(""))) : null;
  }

  return {
    async read() {
      for (;;) {
        let b: Batch | null;
        try {
          b = await current.read();
        } catch (err) {
          if (next) {
            endNext("error");
            throw err;
          }
          return await resume(err);
        }
        if (!b) {
          endNext("ok");
          return null;
        }
        const out = track(b);
        if (out) return out;
      }
    },
    cancel(reason) {
      endNext("cancelled");
      current.cancel(reason);
    },
    get cutSignal() {
      return current.cutSignal;
    },
  };
}
