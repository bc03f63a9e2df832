// Large cacheable streams through a real gateway wait on disk while they stream (cache/spill.ts)
// and are kept once over (cache/late-entries.ts): the next identical request is a HIT with the
// same answer at once, a stream the client left keeps nothing and leaves no file, and answers
// still waiting when the gateway stops are stored before it exits.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestGateway, type TestGateway, upstreamToml } from "../helpers/gateway.ts";
import { until } from "../helpers/wait.ts";

const enc = new TextEncoder();
const CHUNKS = 2000;
const HELD = 800;
let upstream: ReturnType<typeof Bun.serve>;
let calls = 0;
/** A prompt with "hold" in it stops after HELD chunks until this is called. */
let release = () => {};

beforeAll(() => {
  upstream = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.method === "GET") return Response.json({ object: "list", data: [{ id: "big", object: "model" }] });
      const body = await req.json();
      calls++;
      const prompt = String(body.messages[0].content);
      const head = { id: "chatcmpl-sp", object: "chat.completion.chunk", created: 1, model: "big" };
      let i = 0;
      const held = prompt.includes("hold") ? new Promise<void>((r) => (release = r)) : null;
      // About 500 bytes a chunk: a 1 MiB answer, the prompt in every piece.
      return new Response(
        new ReadableStream({
          async pull(ctl) {
            if (held && i === HELD) await held;
            if (i < CHUNKS) {
              const c = { ...head, choices: [{ index: 0, delta: { content: `${prompt} ${i} ${"é".repeat(200)} ` }, finish_reason: null }] };
              ctl.enqueue(enc.encode(`data: ${JSON.stringify(c)}\n\n`));
            } else if (i === CHUNKS) {
              const c = { ...head, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] };
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
afterAll(() => upstream.stop(true));

const toml = () => `${upstreamToml("up", `http://127.0.0.1:${upstream.port}/v1`, 'models = ["big"]')}\n[cache]\nmode = "deterministic"\n`;

const spillFiles = (gw: TestGateway) => {
  const d = join(gw.dataDir, "spill");
  return existsSync(d) ? readdirSync(d) : [];
};

/** A streamed request at temperature 0: its cache outcome and the text it carried. */
async function ask(
  gw: TestGateway,
  prompt: string,
  o: { leaveAfter?: number; midway?: () => Promise<void> } = {},
): Promise<{ cache: string | null; text: string }> {
  const ctl = new AbortController();
  const res = await fetch(`${gw.v1}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "big", stream: true, temperature: 0, messages: [{ role: "user", content: prompt }] }),
    signal: ctl.signal,
  });
  expect(res.status).toBe(200);
  let raw = "";
  const dec = new TextDecoder();
  try {
    for await (const chunk of res.body!) {
      raw += dec.decode(chunk, { stream: true });
      if (o.leaveAfter !== undefined && raw.length > o.leaveAfter && !ctl.signal.aborted) {
        await o.midway?.();
        ctl.abort();
      }
    }
  } catch (err) {
    if (o.leaveAfter === undefined) throw err;
    return { cache: res.headers.get("x-wayfront-cache"), text: "" };
  }
  let text = "";
  for (const ev of raw.split("\n\n")) {
    const data = ev.replace(/^data: /, "");
    if (!data || data === "[DONE]") continue;
    text += JSON.parse(data).choices[0]?.delta?.content ?? "";
  }
  return { cache: res.headers.get("x-wayfront-cache"), text };
}

test("a 1 MiB cacheable stream: the next identical request is a HIT with the same answer, and no file is left", async () => {
  const gw = await startTestGateway(toml());
  try {
    const first = await ask(gw, "spill one");
    expect(first.cache).toBe("MISS");
    expect(first.text.length).toBeGreaterThan(400_000);
    const before = calls;
    const again = await ask(gw, "spill one");
    expect(again.cache).toBe("HIT");
    expect(again.text).toBe(first.text);
    expect(calls).toBe(before); // answered from the cache, not the upstream
    await until(
      () => spillFiles(gw),
      (f) => f.length === 0,
      "the spill file to go",
    );
  } finally {
    await gw.stop();
  }
});

test("a stream the client leaves keeps nothing and leaves no file", async () => {
  const gw = await startTestGateway(toml());
  try {
    // The upstream holds the stream after 800 chunks (400 KB): it is on disk by then.
    let onDisk: string[] = [];
    const cut = await ask(gw, "spill left hold", {
      leaveAfter: 300_000,
      midway: async () => {
        onDisk = await until(
          () => spillFiles(gw),
          (f) => f.length === 1,
          "the stream to be on disk",
        );
      },
    });
    expect(cut.cache).toBe("MISS");
    expect(onDisk).toHaveLength(1);
    release();
    await until(
      () => spillFiles(gw),
      (f) => f.length === 0,
      "the spill file to go",
    );
    // Nothing was kept: asked again, it goes upstream (its header says so; then it leaves too).
    expect((await ask(gw, "spill left hold", { leaveAfter: 0 })).cache).toBe("MISS");
    release();
  } finally {
    await gw.stop();
  }
});

test("answers still waiting when the gateway stops are stored; a dead process's files are removed at start", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "wf-spill-e2e-"));
  try {
    const prompts = Array.from({ length: 6 }, (_, i) => `spill burst ${i}`);
    const gw = await startTestGateway(toml(), { dataDir });
    const first = await Promise.all(prompts.map((p) => ask(gw, p)));
    expect(first.map((r) => r.cache)).toEqual(prompts.map(() => "MISS"));
    await gw.stop(); // at once: some may still wait to be assembled
    const gone = Bun.spawn([process.execPath, "-e", "0"]);
    await gone.exited;
    mkdirSync(join(dataDir, "spill"), { recursive: true });
    writeFileSync(join(dataDir, "spill", `${gone.pid}-1`), "data: {}\n\n");
    const again = await startTestGateway(toml(), { dataDir });
    try {
      expect(spillFiles(again)).toEqual([]);
      const before = calls;
      const second = await Promise.all(prompts.map((p) => ask(again, p)));
      expect(second.map((r) => r.cache)).toEqual(prompts.map(() => "HIT"));
      expect(second.map((r) => r.text)).toEqual(first.map((r) => r.text));
      expect(calls).toBe(before);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
