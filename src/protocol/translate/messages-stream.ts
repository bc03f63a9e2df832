// Chat completion chunks → the Anthropic Messages event sequence, as a state machine with
// no I/O: feed it chunks, send what it returns. The order is the one Anthropic streams and
// Claude Code requires: message_start, then per block content_block_start / deltas /
// content_block_stop (indexes from 0, one block open at a time), message_delta, message_stop.
//
// Decisions:
// - Thinking (`reasoning_content`, `reasoning`, or a leading `<think>` span) becomes a
//   `thinking` block with `signature: ""` and no signature_delta: nothing signed it, and
//   Claude Code accepts unsigned thinking (it sends it back with `signature: ""`).
// - A tool call's arguments are held until they form a complete JSON object (or the choice
//   finishes), then its block is sent whole: start, ONE input_json_delta, stop. Claude Code
//   takes tool input only from input_json_delta, and JSON that does not parse at
//   content_block_stop fails the turn ("could not be parsed"); holding the text back is the
//   only way to guarantee it parses. Empty or broken arguments (a cut at max_tokens, a
//   model's stray text) are sent as `{}`, so the tool's own input check tells the model
//   what is missing. A double-encoded object (a JSON string holding one) is unwrapped.
// - Parallel calls (chat `index`) become blocks in the order they first appeared; one
//   whose arguments are still incomplete holds back the ones after it, so fragments that
//   interleave still come out whole and in order. A fragment for a call already sent is
//   ignored: its block is closed and a client could not receive it.
// - stop_reason: length → max_tokens, content_filter → refusal, else tool_use when a tool
//   block went out, else end_turn. Chat does not say which stop sequence matched, so
//   `stop_sequence` is always null.
// - fail() sends only an `error` event, not message_delta/stop: that is how Anthropic's
//   own stream ends on an error, and Claude Code answers it with a non-streamed retry.
import type { ChatChunk, ChatCompletion, ChatToolCallDelta } from "../chat.ts";
import type { MessageObject, MessagesEvent, MessageUsage, StopReason, TextBlock, ThinkingBlock } from "../messages.ts";
import { completionAsChunk } from "./final.ts";
import { type Segment, ThinkTagSplitter } from "./think-tags.ts";
import { isCompleteObject, toolInput } from "./messages-tool-input.ts";
import { toMessagesUsage } from "./messages-usage.ts";
import { count } from "./usage.ts";
import { resolveToolName, type ToolNameMap } from "./tool-names.ts";
import { type DeltaFrame, type DeltaKind, type DeltaWriter, frameOf } from "./delta-chunks.ts";
import { type GrowingText, grow, growingText } from "./open-text.ts";

export { toMessagesUsage } from "./messages-usage.ts";

export interface MessagesStreamOptions {
  model: string;
  messageId?: string;
  toolNames: ToolNameMap;
  /** For message_start, before the upstream has counted (Anthropic reports it there). */
  inputTokens?: number;
  /** Id maker, injectable so tests and replays are deterministic. */
  newId?: (prefix: string) => string;
}

interface ToolState {
  chatName: string;
  id?: string;
  args: string;
  sent: boolean;
}

const randomId = (prefix: string): string => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;

/** The block being written, its text as it grows (open-text.ts), and its deltas' frame once the fast path wrote one. */
type OpenBlock = { index: number; block: TextBlock | ThinkingBlock; frame?: DeltaFrame } & GrowingText;

export class ChatToMessagesStream implements DeltaWriter {
  private out: MessagesEvent[] = [];
  private readonly msg: MessageObject;
  private readonly newId: (prefix: string) => string;
  private readonly toolNames: ToolNameMap;
  private readonly splitter = new ThinkTagSplitter();
  /** Insertion order is first appearance, the order the blocks go out in. */
  private readonly tools = new Map<number, ToolState>();
  private open?: OpenBlock;
  private finishReason: string | null = null;
  private usage?: MessageUsage;
  private toolSent = false;
  private started = false;
  private choiceDone = false;
  private ended = false;

  constructor(opts: MessagesStreamOptions) {
    this.newId = opts.newId ?? randomId;
    this.toolNames = opts.toolNames;
    this.msg = {
      id: opts.messageId ?? this.newId("msg"),
      type: "message",
      role: "assistant",
      model: opts.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: count(opts.inputTokens), output_tokens: 0 },
    };
  }

  /** `message_start`. Called implicitly by the first push if needed. */
  start(): MessagesEvent[] {
    this.begin();
    return this.drain();
  }

  push(chunk: ChatChunk): MessagesEvent[] {
    if (this.ended) return [];
    this.begin();
    if (chunk.usage) this.usage = toMessagesUsage(chunk.usage);
    const choice = chunk.choices.find((c) => (c.index ?? 0) === 0);
    if (this.choiceDone || !choice) return this.drain();
    const delta = choice.delta;
    if (delta) {
      const thinking = delta.reasoning_content ?? delta.reasoning;
      if (thinking) this.thinkingDelta(thinking);
      if (delta.content) this.segments(this.splitter.push(delta.content));
      for (const tc of delta.tool_calls ?? []) this.toolDelta(tc);
      this.sendReadyTools(false);
    }
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.closeChoice();
    }
    return this.drain();
  }

  /**
   * The fast path of push() for a chunk that is only a piece of text or thinking while its
   * block is open (and no tool call is waiting): the frame of that content_block_delta, which
   * the caller writes with the text, the bytes the event object would serialise to
   * (tests/unit/relay/translate-fast-path holds both to that). Null when push() must take the
   * chunk.
   */
  deltaFrame(kind: DeltaKind, text: string): DeltaFrame | null {
    if (this.ended) return null;
    const open = this.open;
    const type = kind === "text" ? "text" : "thinking";
    if (!open || open.block.type !== type || this.choiceDone || this.tools.size > 0 || text === "") return null;
    if (kind === "text" && !this.splitter.passing) return null;
    this.append(open, text);
    open.frame ??= frameOf(
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":${open.index},"delta":{"type":"${type}_delta","${type}":`,
      "}}\n\n",
    );
    return open.frame;
  }

  /** Adds to the open block's text (open-text.ts grow: fast-path slices never hold the whole stream). */
  private append(open: OpenBlock, text: string): void {
    const all = grow(open, text);
    if (open.block.type === "text") open.block.text = all;
    else open.block.thinking = all;
  }

  /** The upstream ended cleanly: close what is open, then message_delta (stop reason, usage) and message_stop. */
  finish(): MessagesEvent[] {
    if (this.ended) return [];
    this.begin();
    this.closeChoice();
    this.ended = true;
    const stop_reason = this.stopReason();
    this.msg.stop_reason = stop_reason;
    if (this.usage) this.msg.usage = { ...this.msg.usage, ...this.usage };
    const usage = this.usage ? { ...this.usage } : { output_tokens: this.msg.usage.output_tokens };
    this.out.push({ type: "message_delta", delta: { stop_reason, stop_sequence: null }, usage });
    this.out.push({ type: "message_stop" });
    return this.drain();
  }

  /** The upstream died: one `error` event ends the stream (no message_start if none went out yet). */
  fail(err: { message: string; code?: string }): MessagesEvent[] {
    if (this.ended) return [];
    this.ended = true;
    const type = err.code === "no_capacity" || err.code === "overloaded" ? "overloaded_error" : "api_error";
    this.out.push({ type: "error", error: { type, message: err.message } });
    return this.drain();
  }

  /** The Message as assembled so far: the complete answer after finish(). */
  final(): MessageObject {
    return structuredClone(this.msg);
  }

  private begin(): void {
    if (this.started || this.ended) return;
    this.started = true;
    this.out.push({ type: "message_start", message: structuredClone(this.msg) });
  }

  private drain(): MessagesEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private stopReason(): StopReason {
    if (this.finishReason === "length") return "max_tokens";
    if (this.finishReason === "content_filter") return "refusal";
    return this.toolSent ? "tool_use" : "end_turn";
  }

  private segments(segs: Segment[]): void {
    for (const s of segs) {
      if (s.kind === "reasoning") this.thinkingDelta(s.text);
      else this.textDelta(s.text);
    }
  }

  private openBlock(block: TextBlock | ThinkingBlock): OpenBlock {
    this.closeOpen();
    const index = this.msg.content.push(block) - 1;
    this.out.push({ type: "content_block_start", index, content_block: structuredClone(block) } as MessagesEvent);
    this.open = { index, block, ...growingText() };
    return this.open;
  }

  private closeOpen(): void {
    if (!this.open) return;
    this.out.push({ type: "content_block_stop", index: this.open.index });
    this.open = undefined;
  }

  private textDelta(text: string): void {
    const open = this.open?.block.type === "text" ? this.open : this.openBlock({ type: "text", text: "" });
    this.append(open, text);
    this.out.push({ type: "content_block_delta", index: open.index, delta: { type: "text_delta", text } });
  }

  private thinkingDelta(thinking: string): void {
    const open = this.open?.block.type === "thinking" ? this.open : this.openBlock({ type: "thinking", thinking: "", signature: "" });
    this.append(open, thinking);
    this.out.push({ type: "content_block_delta", index: open.index, delta: { type: "thinking_delta", thinking } });
  }

  private toolDelta(d: ChatToolCallDelta): void {
    const key = this.toolKey(d);
    let st = this.tools.get(key);
    if (!st) {
      st = { chatName: "", args: "", sent: false };
      this.tools.set(key, st);
    }
    if (st.sent) return;
    if (d.id && !st.id) st.id = d.id;
    if (d.function?.name && !st.chatName) st.chatName = d.function.name;
    st.args += d.function?.arguments ?? "";
  }

  /** Chat's `index` identifies a parallel call; a few servers omit it, so fall back to the id. */
  private toolKey(d: ChatToolCallDelta): number {
    if (typeof d.index === "number") return d.index;
    for (const [k, st] of this.tools) if (d.id && st.id === d.id) return k;
    const last = [...this.tools.keys()].at(-1);
    return d.id || last === undefined ? (last ?? -1) + 1 : last;
  }

  /** Sends, in order, every call whose arguments are whole; `final` sends the rest as they are. */
  private sendReadyTools(final: boolean): void {
    for (const st of this.tools.values()) {
      if (st.sent) continue;
      if (!st.chatName) {
        if (!final) return; // its name may still come; the calls after it wait
        st.sent = true; // never named: nothing a client could run
        continue;
      }
      if (!final && !isCompleteObject(st.args)) return;
      this.sendTool(st);
    }
  }

  private sendTool(st: ToolState): void {
    this.closeOpen();
    st.sent = true;
    this.toolSent = true;
    const { input, json } = toolInput(st.args);
    const id = st.id || this.newId("toolu");
    const name = resolveToolName(this.toolNames, st.chatName).name;
    const index = this.msg.content.push({ type: "tool_use", id, name, input }) - 1;
    this.out.push({ type: "content_block_start", index, content_block: { type: "tool_use", id, name, input: {} } });
    this.out.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: json } });
    this.out.push({ type: "content_block_stop", index });
  }

  /** The choice is over (finish_reason, or the stream's end): flush held text and calls, close the block. */
  private closeChoice(): void {
    if (this.choiceDone) return;
    this.choiceDone = true;
    this.segments(this.splitter.flush());
    this.sendReadyTools(true);
    this.closeOpen();
  }
}

/** One event as SSE. Claude Code needs the `event:` line: data-only events count as none. */
export function serializeMessagesEvent(ev: MessagesEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

/** A non-streamed chat completion → the Message, replayed through the same state machine so both forms agree. */
export function chatCompletionToMessage(c: ChatCompletion, opts: MessagesStreamOptions): MessageObject {
  const stream = new ChatToMessagesStream(opts);
  stream.push(completionAsChunk(c));
  stream.finish();
  return stream.final();
}
