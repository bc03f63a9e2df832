// A large stream recorded through a spill file (cache/spill.ts) is kept exactly as the same
// stream recorded in memory: the same payloads (while small enough to keep), the same final
// object, dropped in the same cases; and no file outlives its recording.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assembleSpilled, isSpilled, recorder, type Recorded, type Recording } from "../../../src/cache/record.ts";
import { type SpillDir, spillDir } from "../../../src/cache/spill.ts";
import { GatewayError, chatStreamErrorEvent } from "../../../src/protocol/errors.ts";
import { PROTOCOLS, type Api } from "../../../src/protocol/apis.ts";
import { Frames } from "../../../src/relay/frames.ts";
import { claudeFixture, codexFixture } from "../../helpers/fixtures.ts";
import { readFileSync } from "node:fs";

const enc = new TextEncoder();
let root: string;
let dir: string;
let spill: SpillDir;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "wf-spill-"));
  dir = join(root, "spill");
  spill = spillDir(dir);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const files = () => (existsSync(dir) ? readdirSync(dir) : []);

/** The text fed through the relay's framing in reads of `step` bytes, recorded as it goes. */
async function feed(api: Api, text: string, o: { spill?: SpillDir; maxBytes?: number; step?: number } = {}) {
  const rec = recorder(PROTOCOLS[api], 200, o.maxBytes ?? Number.POSITIVE_INFINITY, o.spill);
  const all = enc.encode(text);
  const step = o.step ?? 7001;
  let i = 0;
  const frames = new Frames(
    new ReadableStream<Uint8Array>({
      pull(ctl) {
        if (i >= all.length) return ctl.close();
        ctl.enqueue(all.subarray(i, i + step));
        i += step;
      },
    }),
  );
  for (let b = await frames.read(); b; b = await frames.read()) rec.push(b);
  return rec;
}

/** A spilled recording assembled to its end; the number of steps it took. */
function assemble(api: Api, r: Recording | null, maxBytes = Number.POSITIVE_INFINITY): { kept: Recorded | null; steps: number } {
  if (r === null || !isSpilled(r)) return { kept: r, steps: 0 };
  const g = assembleSpilled(PROTOCOLS[api], r, maxBytes);
  let steps = 1;
  for (let n = g.next(); ; n = g.next(), steps++) if (n.done) return { kept: n.value, steps };
}

const chatHead = { id: "chatcmpl-s", object: "chat.completion.chunk", created: 1, model: "m" };
function chatStream(pieces: number, eol = "\n"): string {
  const ev = (p: unknown) => `data: ${JSON.stringify(p)}${eol}${eol}`;
  let out = ev({ ...chatHead, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });
  for (let i = 0; i < pieces; i++) out += ev({ ...chatHead, choices: [{ index: 0, delta: { content: `piece ${i} é ` }, finish_reason: null }] });
  out += ev({ ...chatHead, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  return `${out}data: [DONE]${eol}${eol}`;
}

function completionsStream(pieces: number): string {
  const h = { id: "cmpl-s", object: "text_completion", created: 1, model: "m" };
  let out = "";
  for (let i = 0; i < pieces; i++) out += `data: ${JSON.stringify({ ...h, choices: [{ index: 0, text: `t${i} `, finish_reason: null }] })}\n\n`;
  out += `data: ${JSON.stringify({ ...h, choices: [{ index: 0, text: "", finish_reason: "stop" }] })}\n\n`;
  return `${out}data: [DONE]\n\n`;
}

/** A recorded stream with its delta event repeated so it grows to about `pieces` events. */
function repeatDelta(text: string, marker: string, pieces: number): string {
  const events = text.split("\n\n").filter((e) => e.trim());
  const i = events.findIndex((e) => e.includes(marker));
  const grown = [...events.slice(0, i), ...Array.from({ length: pieces }, () => events[i]), ...events.slice(i + 1)];
  return `${grown.join("\n\n")}\n\n`;
}

const STREAMS: Record<string, (pieces: number) => string> = {
  chat: (n) => chatStream(n),
  completions: (n) => completionsStream(n),
  responses: (n) => repeatDelta(readFileSync(codexFixture("sse-text-answer.txt"), "utf8"), "response.output_text.delta", n),
  messages: (n) => repeatDelta(readFileSync(claudeFixture("text-turn.sse"), "utf8"), "content_block_delta", n),
};

describe("a spilled stream is kept as the same stream recorded in memory", () => {
  for (const api of Object.keys(STREAMS) as Api[]) {
    // About 100 KiB (past the spill, payloads kept) and about 1 MiB (payloads not kept).
    for (const pieces of [600, 6000]) {
      test(`${api}, ${pieces} events`, async () => {
        const text = STREAMS[api](pieces);
        const inMemory = (await feed(api, text)).finish() as Recorded | null;
        expect(inMemory).not.toBeNull();
        expect(inMemory!.stream === null).toBe(pieces > 600);
        const rec = await feed(api, text, { spill });
        expect(files()).toHaveLength(1); // written while it streamed
        const r = rec.finish();
        expect(r && isSpilled(r)).toBe(true);
        const { kept, steps } = assemble(api, r);
        expect(kept).toEqual(inMemory);
        expect(files()).toHaveLength(0);
        if (pieces > 600) expect(steps).toBeGreaterThan(2); // a batch per step, not all at once
      });
    }
  }

  test("CRLF framing, multi-line data, and reads cut at every size", async () => {
    let text = chatStream(800, "\r\n");
    // A pretty-printed chunk: its data spans several `data:` lines.
    const pretty = JSON.stringify({ ...chatHead, choices: [{ index: 0, delta: { content: "two\nlines" }, finish_reason: null }] }, null, 1);
    text = `data: ${pretty.split("\n").join("\r\ndata: ")}\r\n\r\n${text}`;
    const inMemory = (await feed("chat", text)).finish();
    for (const step of [1000, 4096, 65536]) {
      const { kept } = assemble("chat", (await feed("chat", text, { spill, step })).finish());
      expect(kept).toEqual(inMemory as Recorded);
    }
    expect(files()).toHaveLength(0);
  });

  test("a stream that ends within the spill threshold never touches the disk", async () => {
    const r = (await feed("chat", chatStream(20), { spill })).finish();
    expect(r && !isSpilled(r)).toBe(true);
    expect(existsSync(dir) ? files() : []).toHaveLength(0);
  });
});

describe("a spilled stream is dropped where the in-memory one is, and leaves no file", () => {
  test("an error event after it spilled: not kept", async () => {
    const cut = chatStream(3000).replace(
      /data: \{[^\n]*"finish_reason":"stop"[^\n]*\n\n/,
      chatStreamErrorEvent(new GatewayError("upstream_error", "gone")),
    );
    expect((await feed("chat", cut)).finish()).toBeNull();
    const r = (await feed("chat", cut, { spill })).finish();
    expect(assemble("chat", r).kept).toBeNull();
    expect(files()).toHaveLength(0);
  });

  test("a payload that is not JSON after it spilled: not kept", async () => {
    const text = chatStream(3000).replace("data: [DONE]", "data: {not json}\n\ndata: [DONE]");
    expect(assemble("chat", (await feed("chat", text, { spill })).finish()).kept).toBeNull();
    expect(files()).toHaveLength(0);
  });

  test("no finish_reason: not kept", async () => {
    const text = chatStream(3000).replace(/data: \{[^\n]*"finish_reason":"stop"[^\n]*\n\n/, "");
    expect(assemble("chat", (await feed("chat", text, { spill })).finish()).kept).toBeNull();
  });

  test("past the per-entry limit: the file goes as soon as it passes", async () => {
    const rec = await feed("chat", chatStream(6000), { spill, maxBytes: 200 * 1024 });
    expect(files()).toHaveLength(0); // before the stream's end was even heard
    expect(rec.finish()).toBeNull();
  });

  test("abandoned (the client left, the upstream died): the file goes", async () => {
    const rec = await feed("chat", chatStream(3000), { spill });
    expect(files()).toHaveLength(1);
    expect(rec.abandon()).toBeNull();
    expect(files()).toHaveLength(0);
  });

  test("a write that fails (the directory is gone): not kept, nothing thrown", async () => {
    const rec = recorder(PROTOCOLS.chat, 200, Number.POSITIVE_INFINITY, spill);
    const text = chatStream(3000);
    const half = text.lastIndexOf("\n\n", text.length / 2) + 2;
    const frames = async (t: string) => {
      const f = new Frames(new Response(t).body!);
      for (let b = await f.read(); b; b = await f.read()) rec.push(b);
    };
    await frames(text.slice(0, half));
    rmSync(dir, { recursive: true, force: true });
    await frames(text.slice(half));
    expect(rec.finish()).toBeNull();
  });

  test("a file removed before it was assembled: not kept", async () => {
    const r = (await feed("chat", chatStream(3000), { spill })).finish();
    rmSync(dir, { recursive: true, force: true });
    expect(assemble("chat", r).kept).toBeNull();
  });
});

test("opening the directory removes what processes no longer running left there, and keeps a live one's", async () => {
  const gone = Bun.spawn([process.execPath, "-e", "0"]);
  await gone.exited;
  writeFileSync(join(dir, `${gone.pid}-1`), "data: {}\n\n");
  writeFileSync(join(dir, `${process.pid}-7`), "data: {}\n\n"); // this pid's, from before: stale
  writeFileSync(join(dir, "1-3"), "data: {}\n\n"); // pid 1 is running
  writeFileSync(join(dir, "junk"), "x");
  spillDir(dir);
  expect(files().sort()).toEqual(["1-3"]);
});
