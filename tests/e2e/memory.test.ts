// Memory proportional to the stream, not to its copies: a burst of large cacheable answers
// costs the gateway about what the same burst costs uncached (each answer is recorded once,
// and only up to the cache's per-entry limit), and the gateway keeps answering meanwhile.
// Each gateway runs as its own process, so its peak RSS (VmHWM) is its own.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnGateway, type GatewayProcess } from "../helpers/process.ts";

const bun = process.execPath;
const MAIN = join(import.meta.dir, "../../src/main.ts");
const STREAMS = 40;
const CHUNKS = 1024;
const PIECE = "x".repeat(2000); // 1024 chunks of ~2 KB: a 2 MiB answer
const enc = new TextEncoder();

let upstream: ReturnType<typeof Bun.serve>;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wf-memory-"));
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.method === "GET") return Response.json({ object: "list", data: [{ id: "big", object: "model" }] });
      await req.text();
      let i = 0;
      return new Response(
        new ReadableStream({
          pull(ctl) {
            if (i < CHUNKS) {
              const c = {
                id: "chatcmpl-big",
                object: "chat.completion.chunk",
                choices: [{ index: 0, delta: { content: PIECE }, finish_reason: null }],
              };
              ctl.enqueue(enc.encode(`data: ${JSON.stringify(c)}\n\n`));
            } else if (i === CHUNKS) {
              const c = { id: "chatcmpl-big", object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
              ctl.enqueue(enc.encode(`data: ${JSON.stringify(c)}\n\ndata: [DONE]\n\n`));
            } else ctl.close();
            i++;
          },
        }),
        { headers: { "content-type": "text/event-stream" } },
      );
    },
  });
});
afterAll(() => {
  upstream.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

async function startWith(cache: "always" | "off", name: string): Promise<GatewayProcess> {
  const file = join(dir, `${name}.toml`);
  writeFileSync(file, `[[upstream]]\nname = "up"\nbase_url = "http://127.0.0.1:${upstream.port}/v1"\nmodels = ["big"]\n[cache]\nmode = "${cache}"\n`);
  return spawnGateway([bun, MAIN, "--config", file, "--port", "0", "--data-dir", join(dir, `${name}-data`)]);
}

/** The burst, with /healthz asked all along; the gateway's peak RSS afterwards. */
async function burst(gw: GatewayProcess, tag: string): Promise<{ peakMb: number; healthy: number; bytes: number[] }> {
  let running = true;
  let healthy = 0;
  const health = (async () => {
    while (running) {
      const r = await fetch(`${gw.url}/healthz`);
      if (r.status === 200) healthy++;
      await r.arrayBuffer();
      await Bun.sleep(20);
    }
  })();
  const bytes = await Promise.all(
    Array.from({ length: STREAMS }, async (_, i) => {
      const r = await fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "big", stream: true, temperature: 0, messages: [{ role: "user", content: `${tag} ${i}` }] }),
      });
      return (await r.arrayBuffer()).byteLength;
    }),
  );
  running = false;
  await health;
  const status = readFileSync(`/proc/${gw.proc.pid}/status`, "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? "0");
  return { peakMb: peakKb / 1024, healthy, bytes };
}

test(`${STREAMS} concurrent cacheable 2 MiB streams cost about what the same burst costs uncached (peak memory)`, async () => {
  // Each side is measured on two fresh gateways and the higher peak counts, alike for both:
  // how much Bun's fetch buffers in one burst depends on how the processes happen to share
  // the cores (one uncached burst read 127 MB, others up to 228), and a single low uncached
  // peak made the ratio read high.
  const gateways = [
    await startWith("off", "plain"),
    await startWith("off", "plain2"),
    await startWith("always", "cached"),
    await startWith("always", "cached2"),
  ];
  try {
    const runs = [] as Awaited<ReturnType<typeof burst>>[];
    for (const [i, gw] of gateways.entries()) runs.push(await burst(gw, `burst ${i}`));
    const uncached = Math.max(runs[0].peakMb, runs[1].peakMb);
    const cached = Math.max(runs[2].peakMb, runs[3].peakMb);
    for (const r of runs) for (const n of r.bytes) expect(n).toBeGreaterThan(CHUNKS * PIECE.length);
    // Each gateway answered its health check all through its burst.
    for (const r of runs) expect(r.healthy).toBeGreaterThan(0);
    console.log(
      `peak RSS: uncached ${runs[0].peakMb.toFixed(0)} and ${runs[1].peakMb.toFixed(0)} MB, cacheable ${runs[2].peakMb.toFixed(0)} and ${runs[3].peakMb.toFixed(0)} MB`,
    );
    // The target is under 2×: 1.3–1.5× measured on the dev box since large streams wait on disk
    // (cache/spill.ts) and the relay collects every 64 MiB (relay/collect.ts); 1.8× before.
    expect(cached).toBeLessThan(2 * uncached);
  } finally {
    for (const gw of gateways) await gw.stop();
  }
}, 90_000);
