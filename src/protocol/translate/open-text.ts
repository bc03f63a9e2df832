// An open message or reasoning item of a translated Responses stream: where it is, the fixed
// SSE text around each of its delta events (the per-chunk fast path writes those itself), and
// how its text grows.
import type { MessageItem, ReasoningItem } from "../responses.ts";

export type Open<T> = { item: T; index: number };

/** An open text item, with its delta events' fixed text and its text as `settled + recent`. */
export type OpenText<T> = Open<T> & { head: string; tail: string; tailQuote: string; settled: string; recent: string; pieces: number };

/** How many pieces of text an item takes before the recent ones are copied out (appendText). */
const SETTLE_EVERY = 128;

/**
 * The text every delta event of an open item shares, split where the sequence number and the
 * delta go: the field order emit() gives the event (type, sequence_number, then the fields as
 * ChatToResponsesStream's reasoningDelta and textDelta list them) and JSON.stringify writes.
 */
export function withDeltaFrame<T extends { id: string }>(open: Open<T>, type: string): OpenText<T> {
  const head = `event: ${type}\ndata: {"type":${JSON.stringify(type)},"sequence_number":`;
  const tail = `,"item_id":${JSON.stringify(open.item.id)},"output_index":${open.index},"content_index":0,"delta":`;
  return { ...open, head, tail, tailQuote: `${tail}"`, settled: "", recent: "", pieces: 0 };
}

/**
 * Adds to an open item's text. A fast-path piece is a slice of its upstream batch's text, and
 * in JSC a slice keeps the whole string it was cut from alive: an answer's text made of such
 * slices held every batch it came in (the whole stream) until the item closed. So every
 * SETTLE_EVERY pieces the recent ones are copied into a string of their own, which holds
 * nothing else: a copy of each character once more, and at most that many batches held.
 */
export function appendText(open: OpenText<MessageItem | ReasoningItem>, text: string): void {
  open.recent += text;
  if (++open.pieces === SETTLE_EVERY) {
    open.settled += JSON.parse(JSON.stringify(open.recent)) as string;
    open.recent = "";
    open.pieces = 0;
  }
  open.item.content[0].text = open.settled + open.recent;
}
