// The floor: the least any HTTP proxy hop costs on this machine. It forwards the body with
// one fetch and pipes the answer back, with no parsing, routing or logging. The gap between
// this and direct is the price of a hop; the gap between Wayfront and this is Wayfront's own.

export interface FloorProxy {
  url: string;
  port: number;
  stop(): void;
}

/** What a relay does with the upstream's body on its way to the client (the floor: nothing). */
export type BodyRelay = (body: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;

/** The floor's one hop: the request forwarded with one fetch, the answer's body passed through `relay` when given. */
export function forwarder(upstreamUrl: string, relay?: BodyRelay): (req: Request) => Promise<Response> {
  return async (req) => {
    const path = new URL(req.url).pathname;
    const res = await fetch(upstreamUrl + path, {
      method: req.method,
      headers: { "content-type": req.headers.get("content-type") ?? "application/json" },
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
    });
    const body = relay && res.body ? relay(res.body) : res.body;
    return new Response(body, { status: res.status, headers: { "content-type": res.headers.get("content-type") ?? "" } });
  };
}

export function startFloorProxy(upstreamUrl: string, port = 0): FloorProxy {
  const server = Bun.serve({ hostname: "127.0.0.1", port, idleTimeout: 0, fetch: forwarder(upstreamUrl) });
  return { url: `http://127.0.0.1:${server.port}`, port: server.port!, stop: () => server.stop(true) };
}
