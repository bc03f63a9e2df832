// Entry: a bare Bun server answering every request with the same bytes (a file), the
// reference a cache hit is measured against: the least any server can do for that answer.
// argv: <file with the body>
import { announce } from "./ready.ts";

if (import.meta.main) {
  const body = await Bun.file(process.argv[2]!).bytes();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      await req.arrayBuffer(); // read the request like the gateway must
      return new Response(body, { headers: { "content-type": "application/json" } });
    },
  });
  announce(`http://127.0.0.1:${server.port}`, () => server.stop(true));
}
