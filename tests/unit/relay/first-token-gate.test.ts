// The first-token gate (untilContent) reads batches until one holds content, then puts them
// all back. It judges plain `data:` batches event by event where they lie and anything else
// by the general parser; both must stop at the same batch as the parsed events say, for any
// mix of role chunks, empty deltas, content, tool calls, finish, [DONE], line endings and
// read boundaries. Seeded: a failure names its case.
import { describe, expect, test } from "bun:test";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import { parseEvents } from "../../../src/protocol/sse.ts";
import { Frames, untilContent } from "../../../src/relay/frames.ts";
import { mulberry32, type Rng } from "../../helpers/rng.ts";

const isContent = PROTOCOLS.chat.isContent;
const enc = new TextEncoder();
const chunk = (delta: object, finish: string | null = null) =>
  JSON.stringify({ id: "c", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] });

function event(rng: Rng): string {
  const r = rng();
  if (r < 0.35) return chunk({ role: "assistant", content: "" });
  if (r < 0.55) return chunk({});
  if (r < 0.75) return chunk({ content: rng() < 0.5 ? "hi" : 'a "quote" é' });
  if (r < 0.82) return chunk({ tool_calls: [{ index: 0, id: "t", type: "function", function: { name: "f", arguments: "" } }] });
  if (r < 0.9) return chunk({}, "stop");
  if (r < 0.95) return ": keep-alive";
  return "[DONE]";
}

/** A random stream cut into reads: each read is whole events (what Frames hands on as one batch). */
function stream(rng: Rng): { reads: string[]; firstContentRead: number } {
  const crlf = rng() < 0.25;
  const named = rng() < 0.15;
  const nl = crlf ? "\r\n" : "\n";
  const reads: string[] = [];
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    let read = "";
    const events = 1 + Math.floor(rng() * 8);
    for (let j = 0; j < events; j++) {
      const e = event(rng);
      read += e.startsWith(":") ? `${e}${nl}${nl}` : `${named ? `event: chunk${nl}` : ""}data: ${e}${nl}${nl}`;
    }
    reads.push(read);
  }
  // What the parsed events say: the first read with an event that counts as content.
  const firstContentRead = reads.findIndex((r) => parseEvents(enc.encode(r)).some((ev) => isContent(ev.data)));
  return { reads, firstContentRead };
}

function framesOf(reads: string[]): { frames: Frames; batchesRead: () => number } {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (i < reads.length) ctl.enqueue(enc.encode(reads[i++]));
      else ctl.close();
    },
  });
  const frames = new Frames(body);
  let count = 0;
  const read = frames.read.bind(frames);
  frames.read = async () => {
    const b = await read();
    if (b) count++;
    return b;
  };
  return { frames, batchesRead: () => count };
}

describe("first-token gate", () => {
  test("stops at the first read with content, as the parsed events say, and gives every byte back", async () => {
    const rng = mulberry32(20261202);
    for (let c = 0; c < 400; c++) {
      const s = stream(rng);
      const { frames, batchesRead } = framesOf(s.reads);
      await untilContent(frames, isContent, new AbortController().signal);
      const expected = s.firstContentRead === -1 ? s.reads.length : s.firstContentRead + 1;
      expect({ case: c, read: batchesRead() }).toEqual({ case: c, read: expected });
      // Everything read ahead comes out again, then the rest: the client loses nothing.
      let out = "";
      for (let b = await frames.read(); b; b = await frames.read()) out += new TextDecoder().decode(b.bytes);
      expect(out).toBe(s.reads.join(""));
    }
  });

  test("a role chunk alone is not content; the content chunk after it in the same read is", async () => {
    const role = `data: ${chunk({ role: "assistant", content: "" })}\n\n`;
    const text = `data: ${chunk({ content: "Hello" })}\n\n`;
    const one = framesOf([role, role + text]);
    await untilContent(one.frames, isContent, new AbortController().signal);
    expect(one.batchesRead()).toBe(2);
  });
});
