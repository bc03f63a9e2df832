// An open message or reasoning item of a translated Responses stream: where it is, the fixed
// bytes around each of its delta events (the per-chunk fast path writes those itself), and
// how its text grows (grow, which the Messages translator's blocks use too).
import type { MessageItem, ReasoningItem } from "../responses.ts";
import { type DeltaFrame, frameOf } from "./delta-chunks.ts";

export type Open<T> = { item: T; index: number };

/**
 * A text made of many pieces, kept as `settled + recent`. A fast-path piece is a slice of its
 * upstream batch's text, and in JSC a slice keeps the whole string it was cut from alive: an
 * answer's text made of such slices held every batch it came in (the whole stream) until its
 * item closed. So every SETTLE_EVERY pieces the recent ones are copied into a string of their
 * own, which holds nothing else: a copy of each character once more, and at most that many
 * batches held. Both translators (Responses items, Messages blocks) keep their text this way.
 */
export type GrowingText = { settled: string; recent: string; pieces: number };

export const growingText = (): GrowingText => ({ settled: "", recent: "", pieces: 0 });

/** Adds a piece; returns the whole text so far. */
export function grow(t: GrowingText, piece: string): string {
  t.recent += piece;
  if (++t.pieces === SETTLE_EVERY) {
    t.settled += JSON.parse(JSON.stringify(t.recent)) as string;
    t.recent = "";
    t.pieces = 0;
  }
  return t.settled + t.recent;
}

/** An open text item, with its delta events' frame and its text as it grows. */
export type OpenText<T> = Open<T> & GrowingText & { frame: DeltaFrame };

/** How many pieces of text a text takes before the recent ones are copied out (grow). */
const SETTLE_EVERY = 128;

/**
 * The bytes every delta event of an open item shares, split where the sequence number and the
 * delta go: the field order emit() gives the event (type, sequence_number, then the fields as
 * ChatToResponsesStream's reasoningDelta and textDelta list them) and JSON.stringify writes.
 */
export function withDeltaFrame<T extends { id: string }>(open: Open<T>, type: string): OpenText<T> {
  const head = `event: ${type}\ndata: {"type":${JSON.stringify(type)},"sequence_number":`;
  const mid = `,"item_id":${JSON.stringify(open.item.id)},"output_index":${open.index},"content_index":0,"delta":`;
  return { ...open, frame: frameOf(head, "}\n\n", mid), ...growingText() };
}

/** Adds to an open item's text (grow). */
export function appendText(open: OpenText<MessageItem | ReasoningItem>, text: string): void {
  open.item.content[0].text = grow(open, text);
}
