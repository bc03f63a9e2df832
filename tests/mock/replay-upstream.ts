// Serves one recorded SSE file, byte-exact, to any POST: for replaying captured upstream
// streams (e.g. the Codex fixtures) through the gateway.

import type { RecordedRequest } from "./upstream.ts";
import { recordRequest } from "./record-request.ts";

export interface ReplayUpstream {
  /** Base URL including /v1. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startReplayUpstream(file: string): Promise<ReplayUpstream> {
  const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
  const requests: RecordedRequest[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const rec = await recordRequest(req, requests);
      req.signal.addEventListener("abort", () => (rec.aborted = true), { once: true });
      if (req.method !== "POST") return new Response("not found", { status: 404 });
      return new Response(bytes, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    },
  });
  const port = server.port ?? 0;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    async stop() {
      server.stop(true);
    },
  };
}
