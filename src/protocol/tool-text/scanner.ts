// Finds tool calls a model wrote into its answer text, while the text streams in pieces cut
// anywhere. Text is released as soon as it cannot be the start of a call; from the first
// byte of a possible call, text is held until the call closes, proves not to be one, or
// grows past the hold limit. Every decision depends only on the text, never on where the
// pieces were cut, so a streamed answer splits exactly as the whole answer does.
//
// Decisions:
// - A refused candidate (malformed, unknown tool, schema-invalid, too long) gives back its
//   `<tool_call>` as text and the rest is scanned again, so a real call later in the held
//   text is still found and no byte is lost.
// - Whitespace that only separates a call from the start, another call or the end is
//   layout and dropped; any other text around calls is kept as written.
// - The json format is a property of the whole answer: it is only looked for at the start.
import {
  CLOSE,
  callBodyKind,
  indexTools,
  JsonExtent,
  jsonAnswerStart,
  jsonAnswerTail,
  OPEN,
  partialTagAt,
  type Piece,
  type ScanOptions,
  type TextToolCall,
  type ToolCallFormat,
  type ToolIndex,
} from "./format.ts";
import { parseHermes, parseJsonAnswer, parseQwenXml } from "./parse.ts";

/**
 * 64 KiB. Only text already shaped like a call is held (`<tool_call>` then `<function=` and an
 * offered tool's name, or `{`; or an answer opening with JSON), since prose that merely
 * mentions the tag is released at its next byte. So the bound mostly meets real calls, and
 * a Write of a long file is one: 16 KiB would print such calls instead of running them.
 */
export const DEFAULT_HOLD_LIMIT = 64 * 1024;

const FUNCTION = "<function=";
type Mode = "start" | "text" | "call" | "plain";

export class ToolTextScanner {
  private readonly format: ToolCallFormat;
  private readonly tools: ToolIndex;
  private readonly holdLimit: number;
  private mode: Mode;
  /** Text received and not yet released. */
  private buf = "";
  private out: Piece[] = [];
  private found = 0;
  /** True until non-whitespace text follows the start or the last call. */
  private atSegmentStart = true;
  /** Whitespace seen while atSegmentStart: dropped if a call follows, else released. */
  private pendingSpace = "";
  // State of the candidate being held.
  private jsonAt: { at: number; fenced: boolean; extent: JsonExtent } | undefined;
  private kind: "qwen3-coder" | "hermes" | undefined;
  private named = false;
  private closeFrom = 0;

  constructor(opts: ScanOptions) {
    this.format = opts.format;
    this.tools = indexTools(opts.tools);
    this.holdLimit = opts.holdLimit ?? DEFAULT_HOLD_LIMIT;
    const active = opts.format !== "off" && this.tools.size > 0;
    this.mode = !active ? "plain" : opts.format === "json" || opts.format === "auto" ? "start" : "text";
    // With nothing to find, whitespace need not wait for what follows it.
    this.atSegmentStart = active;
  }

  /** Calls recognised so far. */
  get calls(): number {
    return this.found;
  }

  push(text: string): Piece[] {
    // Fast path: nothing to look for (format "off", no tools, or a json answer ruled out).
    if (this.mode === "plain" && this.buf === "" && !this.atSegmentStart) return text === "" ? [] : [{ kind: "text", text }];
    this.buf += text;
    return this.drain(false);
  }

  /** The answer ended: whatever is held is decided now, and nothing stays held. */
  end(): Piece[] {
    const out = this.drain(true);
    if (this.pendingSpace !== "" && this.found === 0) addText(out, this.pendingSpace);
    this.pendingSpace = "";
    this.atSegmentStart = false;
    this.mode = "plain";
    return out;
  }

  private drain(final: boolean): Piece[] {
    const out: Piece[] = [];
    this.out = out;
    for (let more = true; more; ) {
      if (this.mode === "start") more = this.stepStart(final);
      else if (this.mode === "text") more = this.stepText(final);
      else if (this.mode === "call") more = this.stepCall(final);
      else more = this.emitText(this.buf, "");
    }
    return out;
  }

  /** A whole-answer JSON call: held from the first `{`/`[`/fence until the answer ends. */
  private stepStart(final: boolean): boolean {
    if (this.buf.length > this.holdLimit) return this.leaveStart();
    if (!this.jsonAt) {
      const s = jsonAnswerStart(this.buf);
      if (s.verdict === "no" || (s.verdict === "maybe" && final)) return this.leaveStart();
      if (s.verdict === "maybe") return false;
      this.jsonAt = { at: s.at, fenced: s.fenced, extent: new JsonExtent(s.at) };
    }
    const { at, fenced, extent } = this.jsonAt;
    const end = extent.advance(this.buf);
    const tail = end < 0 ? "maybe" : jsonAnswerTail(this.buf.slice(end), fenced);
    if (tail === "no" || (final && tail !== "yes")) return this.leaveStart();
    if (!final) return false;
    const calls = parseJsonAnswer(this.buf.slice(at, end), this.tools);
    if (!calls) return this.leaveStart();
    this.emitCalls(calls);
    this.buf = "";
    this.mode = "plain";
    return false;
  }

  private leaveStart(): boolean {
    this.mode = this.format === "json" ? "plain" : "text";
    this.jsonAt = undefined;
    return true;
  }

  /** Releases text up to a `<tool_call>`, holding only a tail that may still become one. */
  private stepText(final: boolean): boolean {
    const i = this.buf.indexOf(OPEN);
    if (i < 0) {
      const keep = final ? 0 : partialTagAt(this.buf, OPEN);
      return this.emitText(this.buf.slice(0, this.buf.length - keep), this.buf.slice(this.buf.length - keep));
    }
    this.emitText(this.buf.slice(0, i), this.buf.slice(i));
    this.mode = "call";
    this.closeFrom = OPEN.length;
    return true;
  }

  /** `buf` starts with `<tool_call>`: wait, accept or refuse. */
  private stepCall(final: boolean): boolean {
    const full = this.buf.length >= this.holdLimit;
    const early = this.kind === undefined ? this.judgeLead() : this.kind === "qwen3-coder" && !this.named ? this.judgeName() : "yes";
    if (early === "no") return this.refuse();
    if (early === "maybe") return final || full ? this.refuse() : false;
    const close = this.buf.indexOf(CLOSE, this.closeFrom);
    if (close >= 0 && close + CLOSE.length <= this.holdLimit) return this.accept(this.buf.slice(OPEN.length, close), close + CLOSE.length);
    if (close >= 0 || full) return this.refuse();
    // The closing tag may be missing at the very end of the answer (Qwen3-Coder often stops there).
    if (final) return this.accept(this.buf.slice(OPEN.length), this.buf.length);
    this.closeFrom = Math.max(OPEN.length, this.buf.length - CLOSE.length + 1);
    return false;
  }

  private judgeLead(): "yes" | "no" | "maybe" {
    const k = callBodyKind(this.buf.slice(OPEN.length).trimStart(), this.format);
    if (k === "no" || k === "maybe") return k;
    this.kind = k;
    return k === "qwen3-coder" ? this.judgeName() : "yes";
  }

  /** `<function=NAME>` naming a tool that was not offered is refused before its body arrives. */
  private judgeName(): "yes" | "no" | "maybe" {
    const lead = this.buf.slice(OPEN.length).trimStart().slice(FUNCTION.length);
    const stop = lead.search(/[>\n]/);
    if (stop < 0) return "maybe";
    if (lead[stop] === "\n" || !this.tools.has(lead.slice(0, stop).trim())) return "no";
    this.named = true;
    return "yes";
  }

  private accept(body: string, length: number): boolean {
    const calls = this.kind === "qwen3-coder" ? parseQwenXml(body, this.tools) : parseHermes(body, this.tools);
    if (!calls) return this.refuse();
    this.emitCalls(calls);
    this.buf = this.buf.slice(length);
    return this.leaveCall();
  }

  private refuse(): boolean {
    this.emitText(OPEN, this.buf.slice(OPEN.length));
    return this.leaveCall();
  }

  private leaveCall(): boolean {
    this.mode = "text";
    this.kind = undefined;
    this.named = false;
    return true;
  }

  private emitCalls(calls: TextToolCall[]): void {
    for (const call of calls) this.out.push({ kind: "call", call });
    this.found += calls.length;
    this.pendingSpace = "";
    this.atSegmentStart = true;
  }

  /** Releases `text`, keeps `rest` held; returns false (the step is done with the buffer). */
  private emitText(text: string, rest: string): boolean {
    this.buf = rest;
    if (this.atSegmentStart) {
      text = this.pendingSpace + text;
      this.pendingSpace = "";
      if (text.trim() === "") {
        this.pendingSpace = text;
        return false;
      }
      this.atSegmentStart = false;
    }
    addText(this.out, text);
    return false;
  }
}

function addText(out: Piece[], text: string): void {
  if (text === "") return;
  const last = out.at(-1);
  if (last?.kind === "text") last.text += text;
  else out.push({ kind: "text", text });
}

/** A non-streamed answer: the same decisions as a stream, in one pass. */
export function scanWhole(text: string, opts: ScanOptions): Piece[] {
  const s = new ToolTextScanner(opts);
  const out = s.push(text);
  for (const p of s.end()) {
    if (p.kind === "text") addText(out, p.text);
    else out.push(p);
  }
  return out;
}
