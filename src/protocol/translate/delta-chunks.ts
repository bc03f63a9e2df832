// The per-chunk fast path of a streamed translation. Nearly every chunk of a chat stream is
// one piece of answer text (or of thinking), and a server writes those chunks the same way
// each time: the same id, model, created and field order around a string that changes. Once
// one was parsed, the next ones are recognised by the text around that string and the string
// is read without JSON.parse, which was the largest cost of translating a chunk (with the
// JSON.stringify of the event it became: see DeltaWriter). Anything else (a chunk that differs
// in any other byte, an escape in the text, a finish, usage, a tool call) takes the general path.
import type { ChatChunk } from "../chat.ts";
import type { ByteWriter } from "../byte-writer.ts";

export type DeltaKind = "text" | "reasoning";

/**
 * The fixed bytes of a delta event, around its text: `head`, then when `seq` is a sequence
 * number (≥ 0) it and `mid`, the text as a JSON string, `tail`. A translator keeps one per
 * open item and updates `seq`; they are bytes already, so only the text is encoded per chunk.
 * `joint` is one event's tail and the next one's head, for a run of them.
 */
export interface DeltaFrame {
  head: Uint8Array;
  seq: number;
  mid: Uint8Array;
  tail: Uint8Array;
  joint: Uint8Array;
}

const encoder = new TextEncoder();

/** A frame from its texts; one given `mid` is numbered (its translator sets `seq`). */
export function frameOf(head: string, tail: string, mid?: string): DeltaFrame {
  const bytes = (s: string) => encoder.encode(s);
  return { head: bytes(head), seq: mid === undefined ? -1 : 0, mid: bytes(mid ?? ""), tail: bytes(tail), joint: bytes(tail + head) };
}

/**
 * What follows a frame's head (or the joint to it): the sequence number and `mid` when the
 * frame has one, then the text as a JSON string; the frame's tail is the caller's to write.
 */
export function writeDeltaBody(out: ByteWriter, frame: DeltaFrame, text: string, plain: boolean): void {
  if (frame.seq >= 0) {
    out.digits(frame.seq);
    out.bytes(frame.mid);
  }
  out.jsonString(text, plain);
}

/** A translator that writes the events of a plain delta chunk itself. */
export interface DeltaWriter {
  /**
   * Takes a chunk carrying only `text` of `kind`, as push() would, and gives the frame of
   * the one delta event push() would send for it: written with the text, the same bytes as
   * that event serialised. Null when push() must take the chunk instead (the first piece
   * opens an item, the stream is over, the text goes to more than one event).
   */
  deltaFrame(kind: DeltaKind, text: string): DeltaFrame | null;
}

export function isDeltaWriter(t: object): t is DeltaWriter {
  return typeof (t as Partial<DeltaWriter>).deltaFrame === "function";
}

/**
 * The piece a chunk carries when it is only answer text or only thinking for choice 0 (no
 * usage, error, tool call or finish_reason): what the translators read, and how. Null for
 * anything else. Every decision here rests on a value's type or truthiness, never on what a
 * non-empty string says, which is what lets DeltaChunkShape swap one such string for another.
 */
export function plainDelta(chunk: ChatChunk): { kind: DeltaKind; text: string } | null {
  if (chunk.usage || (chunk as { error?: unknown }).error || !Array.isArray(chunk.choices)) return null;
  const choice = chunk.choices.find((c) => (c.index ?? 0) === 0);
  const delta = choice?.delta;
  if (!delta || choice.finish_reason) return null;
  const tools = delta.tool_calls;
  if (tools != null && !(Array.isArray(tools) && tools.length === 0)) return null;
  const thinking = delta.reasoning_content ?? delta.reasoning;
  if (thinking) return typeof thinking === "string" && !delta.content ? { kind: "reasoning", text: thinking } : null;
  return typeof delta.content === "string" && delta.content !== "" ? { kind: "text", text: delta.content } : null;
}

const PROBE = "wayfront-probe";
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What ends or escapes a JSON string's body, or may not be in it. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON forbids raw control characters in a string; finding them is the point.
const SPECIAL = /["\\\x00-\x1f]/g;

/** Pieces up to this many characters are checked in a JS loop (match). */
const SHORT_PIECE = 32;

/** Where in [from, to) of `text` the first character a string's body treats specially is; `to` if none. */
function firstSpecial(text: string, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH) return i;
  }
  return to;
}

/** The same from `from` on, natively; -1 if none (there is one: the quote that closes the piece). */
function firstSpecialFar(text: string, from: number): number {
  SPECIAL.lastIndex = from;
  return SPECIAL.test(text) ? SPECIAL.lastIndex - 1 : -1;
}

/** Past this many shapes learnt, another needs LEARN_HITS matches per shape so far. */
const FREE_LEARNS = 4;
const LEARN_HITS = 16;

/**
 * The shape of the stream's last plain delta chunk: its data up to and including the quote
 * that opens the piece's string, and from the quote that closes it. Data that starts and ends
 * with those, with a string's body between (no control character, no quote but an escaped
 * one), is the same chunk with another piece: JSON reads the prefix the same way, stays
 * inside the string through the piece, and reads the rest the same way again.
 */
export class DeltaChunkShape {
  private head = "";
  private tail = "";
  /** What the last match carries: its kind, its text, and whether that needs no JSON escape. */
  kind: DeltaKind = "text";
  piece = "";
  plain = true;
  private learnt = 0;
  private hits = 0;

  /**
   * Whether the data at [start, end) of `text` is the learnt chunk with only the piece
   * changed (then `piece` holds it). Offsets, not a slice: most events are never cut out of
   * their batch.
   */
  match(text: string, start: number, end: number): boolean {
    const head = this.head;
    const tail = this.tail;
    const from = start + head.length;
    const to = end - tail.length;
    if (head === "" || to <= from || !text.startsWith(head, start) || !text.startsWith(tail, to)) return false;
    // The first character a string's body treats specially: in a JS loop for a piece of a
    // token or two (most of them), where the RegExp's call cost more than the loop; found
    // natively in a longer one, which was four times slower to check in a JS loop than to
    // JSON.parse. Only a piece with an escape is walked, from its first backslash on.
    const first = to - from <= SHORT_PIECE ? firstSpecial(text, from, to) : firstSpecialFar(text, from);
    if (first !== to && text.charCodeAt(first) !== BACKSLASH) return false; // not JSON, or the string ends early
    let escaped = false;
    for (let i = first; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === QUOTE) return false; // not JSON, or the string ends here
      if (c === BACKSLASH) {
        escaped = true;
        i++; // an escaped quote does not end the string
      }
    }
    const piece = escaped ? stringBody(text.slice(from, to)) : text.slice(from, to);
    if (piece === null) return false;
    this.hits++;
    // Unescaped, nothing in it JSON.stringify would escape (text decoded from bytes holds no
    // lone surrogate, the one thing it escapes besides quotes, backslashes and controls).
    this.plain = !escaped;
    this.piece = piece;
    return true;
  }

  /**
   * Learns the shape of a chunk the general path parsed, when it is a plain delta whose piece
   * can be found in it for sure: written once, as JSON.stringify writes it, at a place where a
   * string starts; and the chunk read again with another piece there gives that other piece.
   * A server whose chunks differ each time in something else (a timestamp, OpenAI's
   * `obfuscation` padding) soon stops being learnt from: each try costs a parse. True when
   * this chunk's shape is the one matched from now on.
   */
  learn(data: string, chunk: ChatChunk): boolean {
    if (this.learnt >= FREE_LEARNS && this.hits < this.learnt * LEARN_HITS) return false;
    const d = plainDelta(chunk);
    if (!d) return false;
    const literal = JSON.stringify(d.text);
    const at = data.indexOf(literal);
    if (at === -1 || data.indexOf(literal, at + 1) !== -1 || !opensString(data, at)) return false;
    const head = data.slice(0, at + 1);
    const tail = data.slice(at + literal.length - 1);
    // The shape it has already (the piece held an escape, so it did not match): nothing new.
    if (head === this.head && tail === this.tail) return false;
    this.learnt++;
    const probe = d.text === PROBE ? `${PROBE}!` : PROBE;
    let again: ChatChunk;
    try {
      again = JSON.parse(head + probe + tail);
    } catch {
      return false;
    }
    const p = plainDelta(again);
    if (p?.kind !== d.kind || p.text !== probe) return false;
    // Copies of their own: as slices they would keep the whole batch the learnt chunk came in
    // alive for as long as the stream lasts (with big batches, a megabyte a stream).
    this.head = [head, ""].join("");
    this.tail = [tail, ""].join("");
    this.kind = d.kind;
    return true;
  }
}

/** The text of a JSON string's body with escapes in it (code: quotes, newlines), or null if it is not one. */
function stringBody(body: string): string | null {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return null; // a bad escape, or a backslash escaping the closing quote
  }
}

/** Whether the quote at `at` opens a string (is not inside one, as an escaped quote or not). */
function opensString(json: string, at: number): boolean {
  let inString = false;
  for (let i = 0; i < at; i++) {
    const c = json.charCodeAt(i);
    if (c === QUOTE) inString = !inString;
    else if (c === BACKSLASH && inString) i++;
  }
  return !inString;
}
