// Entry: the least a streaming relay costs, for the memory burst's /healthz reference. It
// answers /healthz itself and forwards everything else with one fetch, in one of two ways:
// - "native": the upstream's body handed to the Response as is (Bun pipes it without JS; the
//   floor proxy's way, which no gateway that must see every byte can take);
// - "js": every upstream read passed on by a pull-based ReadableStream in JS, and nothing else
//   done with it: the least any relay that reads its stream costs (usage, ends, limits, the
//   cache recorder and redaction all need the bytes).
// argv: <upstream base url, no /v1> <"native" | "js">
import { announce } from "./ready.ts";

const [upstreamUrl, mode = "js"] = process.argv.slice(2) as [string, string];
const HEALTHZ = '{"status":"ok"}';

function relayed(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const { value, done } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return new Response(HEALTHZ, { headers: { "content-type": "application/json" } });
    const res = await fetch(upstreamUrl + path, {
      method: req.method,
      headers: { "content-type": req.headers.get("content-type") ?? "application/json" },
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
    });
    const body = mode === "native" || !res.body ? res.body : relayed(res.body);
    return new Response(body, { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "" } });
  },
});
announce(`http://127.0.0.1:${server.port}`, () => server.stop(true));
