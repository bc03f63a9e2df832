// What the recorder's fast path keeps must not keep the batches it read: in JSC a slice of a
// string keeps the whole string alive, and a learnt shape or a taken piece held as slices kept
// a megabyte a stream in a burst of big answers. Measured on the heap after a full collection.
import { expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";

const FILLER = 4 * 1024 * 1024;
const chunk = (content: string) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "m",
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
  });

/** A batch's text: two text chunks' data, then filler the assembler is never shown. */
function batch(i: number): { text: string; first: [number, number]; second: [number, number] } {
  const a = chunk(`first ${i}`);
  const b = chunk(`second ${i}`);
  // Built fresh each time (not a shared constant), so each batch is its own string.
  const text = `${a}\n${b}\n${String(i).repeat(FILLER)}`;
  return { text, first: [0, a.length], second: [a.length + 1, a.length + 1 + b.length] };
}

test("twenty recorders that learnt and took from 4 MiB batches hold none of those batches", () => {
  Bun.gc(true);
  const before = heapStats().heapSize;
  const kept: unknown[] = [];
  for (let i = 0; i < 20; i++) {
    const a = PROTOCOLS.chat.assembler();
    const { text, first, second } = batch(i);
    const data = text.slice(first[0], first[1]);
    const parsed = JSON.parse(data);
    a.push(parsed);
    a.learn!(data, parsed);
    expect(a.take!(text, second[0], second[1])).toBe(true);
    a.batchDone!();
    kept.push(a);
  }
  Bun.gc(true);
  const grown = heapStats().heapSize - before;
  // Holding the batches would be 4 MiB each, 80 MiB in all (the old code: 120 MiB grown).
  expect(grown).toBeLessThan(FILLER * 8);
  // And what they took is all there.
  const finals = kept.map((a) => (a as { finish(): { choices: { message: { content: string } }[] } }).finish());
  expect(finals[7]!.choices[0]!.message.content).toBe("first 7second 7");
});
