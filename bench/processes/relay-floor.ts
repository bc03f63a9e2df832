// Entry: the least a streaming relay costs, for the memory burst's /healthz reference. It
// answers /healthz itself and forwards everything else as the floor proxy does (one fetch), in
// one of two ways:
// - "native": the upstream's body handed to the Response as is (Bun pipes it without JS; the
//   floor proxy's way, which no gateway that must see every byte can take);
// - "js": every read of the upstream's fetch body passed on by a pull-based ReadableStream in
//   JS, and nothing else done with it: the least a relay that reads its stream through Bun's
//   fetch costs (usage, ends, limits, the cache recorder and redaction all need the bytes; the
//   gateway reads plain-HTTP upstreams over its own connections, src/upstream/http1.ts).
// argv: <upstream base url, no /v1> <"native" | "js">
import { type BodyRelay, forwarder } from "../floor-proxy.ts";
import { announce } from "./ready.ts";

const [upstreamUrl, mode = "js"] = process.argv.slice(2) as [string, string];
const HEALTHZ = '{"status":"ok"}';

const inJs: BodyRelay = (body) => {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const { value, done } = await reader.read();
      if (done) ctl.close();
      else ctl.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
};

const forward = forwarder(upstreamUrl, mode === "native" ? undefined : inJs);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  fetch(req) {
    if (new URL(req.url).pathname === "/healthz") return new Response(HEALTHZ, { headers: { "content-type": "application/json" } });
    return forward(req);
  },
});
announce(`http://127.0.0.1:${server.port}`, () => server.stop(true));
