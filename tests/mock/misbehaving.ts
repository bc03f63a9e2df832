// An upstream that misbehaves on purpose, one way per model name, like the hostile networks
// and broken servers the gateway must survive: CRLF framing, streams without their end,
// garbage with 200, redirects, headers then silence, bodies that trickle or never end, keys
// echoed back, headers that are not its to set. Every request is recorded, with whether
// the gateway hung up on it.
const enc = new TextEncoder();

export interface Misbehaving {
  url: string;
  /** Requests seen, in order: path, model, and whether the gateway aborted it. */
  requests: { path: string; model: string; aborted: boolean }[];
  /** Resolves when the gateway has hung up on a request for this model. */
  aborted(model: string): Promise<void>;
  stop(): Promise<void>;
}

const chunk = (content: string | null, finish: string | null = null) =>
  JSON.stringify({
    id: "chatcmpl-mb",
    object: "chat.completion.chunk",
    created: 1,
    model: "mb",
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  });
const completion = (content: string) =>
  JSON.stringify({
    id: "chatcmpl-mb",
    object: "chat.completion",
    created: 1,
    model: "mb",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });

/** A body that sends `parts` then, unless `end`, stays open (until the gateway hangs up). */
function body(parts: string[], o: { end?: boolean; everyMs?: number; onCancel?: () => void } = {}): ReadableStream<Uint8Array> {
  let i = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream({
    async pull(ctl) {
      if (i < parts.length) {
        if (o.everyMs && i > 0) await new Promise((r) => (timer = setTimeout(r, o.everyMs)));
        ctl.enqueue(enc.encode(parts[i++]));
        return;
      }
      if (o.end !== false) return ctl.close();
      await new Promise(() => {}); // silence, for ever
    },
    cancel() {
      clearTimeout(timer);
      o.onCancel?.();
    },
  });
}

const SSE = { "content-type": "text/event-stream" };
const JSON_CT = { "content-type": "application/json" };

export function startMisbehaving(): Misbehaving {
  const requests: Misbehaving["requests"] = [];
  const waiters = new Map<string, (() => void)[]>();
  const noteAbort = (rec: Misbehaving["requests"][number]) => {
    rec.aborted = true;
    for (const w of waiters.get(rec.model) ?? []) w();
    waiters.delete(rec.model);
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path.endsWith("/models")) return Response.json({ object: "list", data: [{ id: "ok", object: "model" }] });
      const text = await req.text();
      let model = "";
      try {
        model = JSON.parse(text).model ?? "";
      } catch {}
      const rec = { path, model, aborted: false };
      requests.push(rec);
      req.signal.addEventListener("abort", () => noteAbort(rec), { once: true });
      const key = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const streamOf = (parts: string[], o: { end?: boolean; everyMs?: number } = {}) =>
        new Response(body(parts, { ...o, onCancel: () => noteAbort(rec) }), { headers: SSE });
      switch (model) {
        case "ok":
          return new Response(completion("fine"), { headers: JSON_CT });
        case "crlf": // sse-starlette's default framing, with the usage chunk the gateway asked for
          return streamOf([
            `data: ${chunk("Hello")}\r\n\r\n`,
            `data: ${chunk(" CRLF")}\r\n\r\ndata: ${chunk(null, "stop")}\r\n\r\n`,
            `data: ${JSON.stringify({ id: "chatcmpl-mb", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } })}\r\n\r\ndata: [DONE]\r\n\r\n`,
          ]);
        case "no-end": // content, then a clean close without finish_reason or [DONE]
          return streamOf([`data: ${chunk("cut")}\n\n`, `data: ${chunk(" short")}\n\n`]);
        case "html200":
          return new Response("<html><body>Welcome to nginx!</body></html>", { headers: { "content-type": "text/html" } });
        case "badjson200":
          return new Response('{"id": "chatcmpl-x", "choices": [', { headers: JSON_CT });
        case "error200":
          return new Response(JSON.stringify({ error: { message: "model is loading", type: "server_error" } }), { headers: JSON_CT });
        case "redirect302":
          return new Response(null, { status: 302, headers: { location: "http://127.0.0.1:1/elsewhere" } });
        case "silent-after-headers":
          // One byte of whitespace, or Bun would hold the headers back until the body starts.
          return new Response(body([" "], { end: false, onCancel: () => noteAbort(rec) }), { headers: JSON_CT });
        case "trickle-json": // one byte every 200 ms, for ever
          return new Response(
            body(
              Array.from({ length: 100_000 }, () => " "),
              { everyMs: 200, onCancel: () => noteAbort(rec) },
            ),
            { headers: JSON_CT },
          );
        case "endless-500":
          return new Response(body(['{"error":{"message":"'], { end: false, onCancel: () => noteAbort(rec) }), { status: 500, headers: JSON_CT });
        case "stall-after-token":
          return streamOf([`data: ${chunk("first")}\n\n`], { end: false });
        case "never-ends": // a token every 50 ms, for ever
          return streamOf(
            Array.from({ length: 100_000 }, (_, i) => `data: ${chunk(`t${i} `)}\n\n`),
            { everyMs: 50 },
          );
        case "firehose": {
          // As fast as the reader takes it, for ever: a client that stops reading makes it wait.
          const piece = enc.encode(`data: ${chunk("z".repeat(60_000))}\n\n`);
          return new Response(
            new ReadableStream({
              pull: (ctl) => ctl.enqueue(piece),
              cancel: () => noteAbort(rec),
            }),
            { headers: SSE },
          );
        }
        case "echo-key": // an upstream that puts our key in its answer
          return new Response(completion(`your key is ${key}`), { headers: JSON_CT });
        case "echo-key-stream":
          return streamOf([`data: ${chunk(`key ${key}`)}\n\n`, `data: ${chunk(null, "stop")}\n\ndata: [DONE]\n\n`]);
        case "evil-headers":
          return new Response(completion("fine"), {
            headers: { ...JSON_CT, "x-wayfront-warning": "forged", "access-control-allow-origin": "*", "set-cookie": "a=b", "x-request-id": "up-1" },
          });
        default:
          return new Response(completion(`unknown model ${model}`), { headers: JSON_CT });
      }
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests,
    aborted(model) {
      if (requests.some((r) => r.model === model && r.aborted)) return Promise.resolve();
      return new Promise((resolve) => waiters.set(model, [...(waiters.get(model) ?? []), resolve]));
    },
    async stop() {
      await server.stop(true);
    },
  };
}
