// Entry: an upstream that streams big chat answers as fast as it can: a role chunk, <chunks>
// content chunks of <pieceBytes> characters each, a finish chunk and [DONE]. The defaults
// (1,024 × 2,000) make a 2 MiB answer. Every event is prepared once; the stream is pulled, so
// it goes as fast as the reader (the gateway) takes it and no faster.
// argv: [chunks] [pieceBytes]
import { announce } from "./ready.ts";

export const BIG_MODEL = "bench-big";

const encoder = new TextEncoder();

function event(delta: Record<string, string>, finish: string | null): Uint8Array {
  const chunk = {
    id: "chatcmpl-bench-big",
    object: "chat.completion.chunk",
    created: 1700000000,
    model: BIG_MODEL,
    choices: [{ index: 0, delta, finish_reason: finish }],
  };
  return encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);
}

export function startBigStreamUpstream(chunks: number, pieceBytes: number): { url: string; stop(): void } {
  const first = event({ role: "assistant", content: "" }, null);
  const piece = event({ content: "x".repeat(pieceBytes) }, null);
  const last = Buffer.concat([event({}, "stop"), encoder.encode("data: [DONE]\n\n")]);
  const models = JSON.stringify({ object: "list", data: [{ id: BIG_MODEL, object: "model", created: 1700000000, owned_by: "bench" }] });
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path === "/v1/models") return new Response(models, { headers: { "content-type": "application/json" } });
      if (req.method !== "POST" || path !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      await req.arrayBuffer();
      let i = -1;
      const body = new ReadableStream<Uint8Array>({
        pull(ctl) {
          if (i < 0) ctl.enqueue(first);
          else if (i < chunks) ctl.enqueue(piece);
          else if (i === chunks) ctl.enqueue(last);
          else ctl.close();
          i++;
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

if (import.meta.main) {
  const [chunks = "1024", pieceBytes = "2000"] = process.argv.slice(2);
  const up = startBigStreamUpstream(Number(chunks), Number(pieceBytes));
  announce(up.url, () => up.stop());
}
