// Scenario: Responses → Chat translation (Codex in front of a chat-only server). One gateway,
// pinned to the chat wire, in front of an upstream sending a 2,000-chunk stream as fast as it
// is read; the same stream is asked as a chat stream (passed through) and as a Responses
// stream (translated), interleaved. What translation adds, per chunk, is the difference in
// time to the last byte divided by the chunk count.
import { summarize, type Summary } from "../percentile.ts";
import { BIG_MODEL } from "../processes/big-stream-upstream.ts";
import { startSourceGateway } from "../gateways.ts";
import { gatewayToml } from "../gateway-config.ts";
import { spawnServer, type ServerProcess } from "../spawn-server.ts";

export interface TranslationOptions {
  chunks: number;
  /** Characters of content per chunk (a token or two). */
  pieceBytes: number;
  samples: number;
  warmup: number;
}

export interface TranslationResult {
  settings: TranslationOptions;
  passthrough: Summary;
  translated: Summary;
}

const requests = {
  passthrough: {
    path: "/v1/chat/completions",
    body: JSON.stringify({ model: BIG_MODEL, stream: true, messages: [{ role: "user", content: "go" }] }),
    end: "[DONE]",
  },
  translated: { path: "/v1/responses", body: JSON.stringify({ model: BIG_MODEL, stream: true, input: "go" }), end: "response.completed" },
};

async function timeToLastByte(url: string, r: (typeof requests)["passthrough"]): Promise<number> {
  const start = performance.now();
  const res = await fetch(url + r.path, { method: "POST", headers: { "content-type": "application/json" }, body: r.body });
  const text = await res.text();
  const ms = performance.now() - start;
  if (res.status !== 200 || !text.includes(r.end)) throw new Error(`translation bench: ${r.path} answered ${res.status} without ${r.end}`);
  return ms;
}

export async function runTranslation(o: TranslationOptions): Promise<TranslationResult> {
  const procs: ServerProcess[] = [];
  try {
    const upstream = await spawnServer("big-stream-upstream", [String(o.chunks), String(o.pieceBytes)]);
    procs.push(upstream);
    const gw = await startSourceGateway(gatewayToml({ upstreamUrl: upstream.url, wire: "chat" }));
    procs.push(gw);
    const samples = { passthrough: [] as number[], translated: [] as number[] };
    for (let i = 0; i < o.warmup + o.samples; i++) {
      for (const k of ["passthrough", "translated"] as const) {
        const ms = await timeToLastByte(gw.url, requests[k]);
        if (i >= o.warmup) samples[k].push(ms);
      }
    }
    return { settings: o, passthrough: summarize(samples.passthrough), translated: summarize(samples.translated) };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
