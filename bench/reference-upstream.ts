// The reference upstream both sides of every comparison talk to: a bare Bun.serve that
// answers from bytes prepared once, so its own cost is as small and as constant as we can
// make it. Direct runs hit it straight; gateway runs hit it through Wayfront.

export const BENCH_MODEL = "bench-model";
/** Same answer as BENCH_MODEL, but each stream chunk is preceded by a delay (a model "thinking"). */
export const PACED_MODEL = "bench-paced";
/** Waits FIRST_TOKEN_MS before the whole stream, as a real server's prefill before its first token. */
export const FIRST_TOKEN_MODEL = "bench-first-token";
export const FIRST_TOKEN_MS = 20;
/** Sends its role chunk and one token, then a token every HOLD_INTERVAL_MS until the client leaves (a slow model). */
export const HOLD_MODEL = "bench-hold";
export const HOLD_INTERVAL_MS = 1_000;
/** Bounds a held stream even if nobody ever hangs up. */
const HOLD_MAX_TOKENS = 120;
/** Answers a non-streamed request after SLOW_MS, so the overload scenario knows the upstream's capacity. */
export const SLOW_MODEL = "bench-slow";
export const SLOW_MS = 50;

export interface ReferenceOptions {
  /** Content chunks per stream (role and finish chunks come on top). */
  chunks: number;
  /** Delay before each content chunk of a PACED_MODEL stream. */
  chunkDelayMs: number;
}

export interface ReferenceUpstream {
  url: string;
  port: number;
  stop(): void;
}

const encoder = new TextEncoder();

function chunkEvent(delta: Record<string, string>, finish: string | null): Uint8Array {
  const chunk = {
    id: "chatcmpl-bench",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: BENCH_MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
}

/** The stream's events in order: role, N content chunks, finish, [DONE]. */
export function streamEvents(chunks: number): Uint8Array[] {
  const events = [chunkEvent({ role: "assistant", content: "" }, null)];
  for (let i = 0; i < chunks; i++) events.push(chunkEvent({ content: `tok${i} ` }, null));
  events.push(chunkEvent({}, "stop"));
  events.push(encoder.encode("data: [DONE]\n\n"));
  return events;
}

export const COMPLETION_JSON = JSON.stringify({
  id: "chatcmpl-bench",
  object: "chat.completion",
  created: 1700000000,
  model: BENCH_MODEL,
  choices: [{ index: 0, message: { role: "assistant", content: "Hello from the reference upstream." }, finish_reason: "stop" }],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});

const MODELS_JSON = JSON.stringify({
  object: "list",
  data: [BENCH_MODEL, PACED_MODEL, FIRST_TOKEN_MODEL, HOLD_MODEL, SLOW_MODEL].map((id) => ({
    id,
    object: "model",
    created: 1700000000,
    owned_by: "bench",
  })),
});

function pacedStream(events: Uint8Array[], delayMs: number): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async start(controller) {
      const last = events.length - 2; // finish chunk and [DONE] follow the last content chunk at once
      for (let i = 0; i < events.length; i++) {
        if (i > 0 && i <= last) await Bun.sleep(delayMs);
        controller.enqueue(events[i]);
      }
      controller.close();
    },
  });
}

function heldStream(events: Uint8Array[]): ReadableStream<Uint8Array> {
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(events[0]);
      controller.enqueue(events[1]);
      let sent = 1;
      timer = setInterval(() => {
        if (++sent > HOLD_MAX_TOKENS) {
          clearInterval(timer);
          controller.enqueue(events.at(-2)!);
          controller.enqueue(events.at(-1)!);
          controller.close();
        } else controller.enqueue(events[1]);
      }, HOLD_INTERVAL_MS);
    },
    cancel() {
      clearInterval(timer);
    },
  });
}

export function startReferenceUpstream(opts: ReferenceOptions, port = 0): ReferenceUpstream {
  const events = streamEvents(opts.chunks);
  // One buffer for the unpaced stream: the whole answer in one write, as a fast local server does.
  const whole = Buffer.concat(events);
  const sseHeaders = { "content-type": "text/event-stream", "cache-control": "no-cache" };
  const jsonHeaders = { "content-type": "application/json" };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path === "/v1/models") return new Response(MODELS_JSON, { headers: jsonHeaders });
      if (req.method !== "POST" || path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      const body = (await req.json()) as { model?: string; stream?: boolean };
      if (!body.stream) {
        if (body.model === SLOW_MODEL) await Bun.sleep(SLOW_MS);
        return new Response(COMPLETION_JSON, { headers: jsonHeaders });
      }
      if (body.model === PACED_MODEL) return new Response(pacedStream(events, opts.chunkDelayMs), { headers: sseHeaders });
      if (body.model === HOLD_MODEL) return new Response(heldStream(events), { headers: sseHeaders });
      if (body.model === FIRST_TOKEN_MODEL) await Bun.sleep(FIRST_TOKEN_MS);
      return new Response(whole, { headers: sseHeaders });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, port: server.port!, stop: () => server.stop(true) };
}
