// Chat completion chunks → the Responses streaming event sequence, as a state machine with
// no I/O: feed it chunks, send what it returns. The order per item is the one the Responses
// reference documents and the Codex fixtures show: output_item.added, content_part.added,
// deltas, *.done, content_part.done, output_item.done; then one terminal response event.
//
// Decisions:
// - Thinking (`reasoning_content`, `reasoning`, or a leading `<think>` span) becomes one
//   `reasoning` item with a `reasoning_text` part, never a summary: nothing summarised it.
// - Items close as soon as the chat stream says `finish_reason`, because Codex runs a tool
//   on its `output_item.done`; the usage chunk that follows only feeds the terminal event.
// - finish_reason "length"/"content_filter" end in `response.incomplete` (what the real API
//   sends for status "incomplete"), not `response.completed`.
import type { ChatChunk, ChatToolCallDelta } from "../chat.ts";
import type {
  CustomToolCallItem,
  FunctionCallItem,
  MessageItem,
  ReasoningItem,
  ResponseObject,
  ResponsesEvent,
  ResponsesRequest,
  ResponseUsage,
} from "../responses.ts";
import type { DeltaFrame, DeltaKind, DeltaWriter } from "./delta-chunks.ts";
import { appendText, type Open, type OpenText, withDeltaFrame } from "./open-text.ts";
import { ThinkTagSplitter, type Segment } from "./think-tags.ts";
import { resolveToolName, type ToolNameMap } from "./tool-names.ts";
import { toResponsesUsage } from "./usage.ts";

export interface StreamOptions {
  responseId?: string;
  model: string;
  /** Unix seconds. */
  createdAt?: number;
  toolNames: ToolNameMap;
  /** The client's request, for the fields the Response object echoes. */
  request?: ResponsesRequest;
  /** Id maker, injectable so tests and replays are deterministic. */
  newId?: (prefix: string) => string;
}

type Unsequenced = ResponsesEvent extends infer E ? (E extends unknown ? Omit<E, "sequence_number"> : never) : never;
type ItemStatus = "completed" | "incomplete";
interface ToolState {
  chatName: string;
  callId?: string;
  args: string;
  open?: Open<FunctionCallItem | CustomToolCallItem>;
}

const randomId = (prefix: string): string => `${prefix}_${crypto.randomUUID().replaceAll("-", "")}`;
/**
 * A deep copy of a JSON value (what every item and response here is), keys in their order.
 * Not structuredClone: in Bun it costs some 6 µs a call whatever the size, and a stream
 * copies the growing answer several times.
 */
function copy<T>(x: T): T {
  if (typeof x !== "object" || x === null) return x;
  if (Array.isArray(x)) return x.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const k in x) out[k] = copy(x[k]);
  return out as T;
}

export class ChatToResponsesStream implements DeltaWriter {
  private seq = 0;
  private out: ResponsesEvent[] = [];
  private readonly resp: ResponseObject;
  private readonly newId: (prefix: string) => string;
  private readonly toolNames: ToolNameMap;
  private readonly splitter = new ThinkTagSplitter();
  private readonly tools = new Map<number, ToolState>();
  private message?: OpenText<MessageItem>;
  private reasoning?: OpenText<ReasoningItem>;
  private finishReason: string | null = null;
  private usage: ResponseUsage | null = null;
  private started = false;
  private ended = false;

  constructor(opts: StreamOptions) {
    this.newId = opts.newId ?? randomId;
    this.toolNames = opts.toolNames;
    this.resp = initialResponse(opts, opts.responseId ?? this.newId("resp"));
  }

  /** `response.created` + `response.in_progress`. Called implicitly by the first push if needed. */
  start(): ResponsesEvent[] {
    if (!this.started) {
      this.started = true;
      this.emit({ type: "response.created", response: copy(this.resp) });
      this.emit({ type: "response.in_progress", response: copy(this.resp) });
    }
    return this.drain();
  }

  push(chunk: ChatChunk): ResponsesEvent[] {
    if (this.ended) return [];
    this.start();
    if (chunk.usage) this.usage = toResponsesUsage(chunk.usage);
    const choice = chunk.choices.find((c) => (c.index ?? 0) === 0);
    const delta = choice?.delta;
    if (delta) {
      const thinking = delta.reasoning_content ?? delta.reasoning;
      if (thinking) this.reasoningDelta(thinking);
      if (delta.content) this.segments(this.splitter.push(delta.content));
      for (const tc of delta.tool_calls ?? []) this.toolDelta(tc);
    }
    if (choice?.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.closeAll();
    }
    return this.drain();
  }

  /**
   * The fast path of push() for a chunk that is only a piece of text or thinking, while its
   * item is open and takes it as one delta: the frame of that event, which the caller writes
   * with the text, the bytes serializeEvent would give it (tests/unit/relay/translate-fast-path
   * .test.ts holds both to that), without an event object or a JSON.stringify of it, on nearly
   * every chunk.
   */
  deltaFrame(kind: DeltaKind, text: string): DeltaFrame | null {
    if (this.ended) return null;
    const open = kind === "text" ? this.message : this.reasoning;
    if (!open || text === "" || (kind === "text" && !this.splitter.passing)) return null;
    appendText(open, text);
    open.frame.seq = this.seq++;
    return open.frame;
  }

  /** The upstream ended cleanly: close what is open, then the terminal event with usage. */
  finish(): ResponsesEvent[] {
    if (this.ended) return [];
    this.start();
    this.closeAll();
    this.ended = true;
    const incomplete = this.itemStatus() === "incomplete";
    this.resp.status = incomplete ? "incomplete" : "completed";
    if (incomplete) {
      const reason = this.finishReason === "content_filter" ? "content_filter" : "max_output_tokens";
      this.resp.incomplete_details = { reason };
    }
    this.resp.usage = this.usage;
    this.emit({ type: incomplete ? "response.incomplete" : "response.completed", response: copy(this.resp) });
    return this.drain();
  }

  /** The upstream died: `response.failed`, then an `error` event for clients that only watch those. */
  fail(err: { message: string; code?: string }): ResponsesEvent[] {
    if (this.ended) return [];
    this.start();
    this.ended = true;
    for (const item of this.resp.output) if (item.status === "in_progress") item.status = "incomplete";
    const code = err.code ?? "upstream_error";
    this.resp.status = "failed";
    this.resp.error = { code, message: err.message };
    this.resp.usage = this.usage;
    this.emit({ type: "response.failed", response: copy(this.resp) });
    this.emit({ type: "error", code, message: err.message, param: null });
    return this.drain();
  }

  /** The Response object as assembled so far (final after finish or fail). */
  response(): ResponseObject {
    return copy(this.resp);
  }

  final(): ResponseObject {
    return this.response();
  }

  private emit(ev: Unsequenced): void {
    // `type` first, then `sequence_number`: the field order OpenAI and the fixtures use. One
    // copy per event (assigning `type` again keeps its place), on every chunk of every stream.
    this.out.push(Object.assign({ type: ev.type, sequence_number: this.seq++ }, ev) as ResponsesEvent);
  }

  private drain(): ResponsesEvent[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private itemStatus(): ItemStatus {
    return this.finishReason === "length" || this.finishReason === "content_filter" ? "incomplete" : "completed";
  }

  private segments(segs: Segment[]): void {
    for (const s of segs) {
      if (s.kind === "reasoning") this.reasoningDelta(s.text);
      else this.textDelta(s.text);
    }
  }

  private addItem<T extends ResponseObject["output"][number]>(item: T): Open<T> {
    const index = this.resp.output.push(item) - 1;
    this.emit({ type: "response.output_item.added", output_index: index, item: copy(item) });
    return { item, index };
  }

  private reasoningDelta(text: string): void {
    if (!this.reasoning) {
      this.closeMessage();
      const item: ReasoningItem = { id: this.newId("rs"), type: "reasoning", status: "in_progress", summary: [], content: [] };
      this.reasoning = withDeltaFrame(this.addItem(item), "response.reasoning_text.delta");
      item.content.push({ type: "reasoning_text", text: "" });
      this.emit({
        type: "response.content_part.added",
        item_id: item.id,
        output_index: this.reasoning.index,
        content_index: 0,
        part: { type: "reasoning_text", text: "" },
      });
    }
    const { item, index } = this.reasoning;
    appendText(this.reasoning, text);
    this.emit({ type: "response.reasoning_text.delta", item_id: item.id, output_index: index, content_index: 0, delta: text });
  }

  private textDelta(text: string): void {
    if (!this.message) {
      this.closeReasoning();
      const item: MessageItem = { id: this.newId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
      this.message = withDeltaFrame(this.addItem(item), "response.output_text.delta");
      item.content.push({ type: "output_text", text: "", annotations: [] });
      this.emit({
        type: "response.content_part.added",
        item_id: item.id,
        output_index: this.message.index,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      });
    }
    const { item, index } = this.message;
    appendText(this.message, text);
    this.emit({ type: "response.output_text.delta", item_id: item.id, output_index: index, content_index: 0, delta: text });
  }

  private toolDelta(d: ChatToolCallDelta): void {
    const key = this.toolKey(d);
    let st = this.tools.get(key);
    if (!st) {
      st = { chatName: "", args: "" };
      this.tools.set(key, st);
    }
    if (d.id && !st.callId) st.callId = d.id;
    if (d.function?.name && !st.open) st.chatName = d.function.name;
    const args = d.function?.arguments ?? "";
    st.args += args;
    if (!st.open && st.chatName) this.openTool(st);
    else if (st.open && args && st.open.item.type === "function_call") {
      st.open.item.arguments += args;
      this.emit({ type: "response.function_call_arguments.delta", item_id: st.open.item.id, output_index: st.open.index, delta: args });
    }
  }

  /** Chat's `index` identifies a parallel call; a few servers omit it, so fall back to the id. */
  private toolKey(d: ChatToolCallDelta): number {
    if (typeof d.index === "number") return d.index;
    for (const [k, st] of this.tools) if (d.id && st.callId === d.id) return k;
    return d.id || this.tools.size === 0 ? this.tools.size : this.tools.size - 1;
  }

  private openTool(st: ToolState): void {
    this.closeReasoning();
    this.closeMessage();
    const target = resolveToolName(this.toolNames, st.chatName);
    const base = { status: "in_progress" as const, call_id: st.callId ?? this.newId("call"), name: target.name };
    const ns = target.namespace ? { namespace: target.namespace } : {};
    if (target.kind === "custom") {
      st.open = this.addItem<CustomToolCallItem>({ id: this.newId("ctc"), type: "custom_tool_call", ...base, ...ns, input: "" });
      return;
    }
    const open = this.addItem<FunctionCallItem>({ id: this.newId("fc"), type: "function_call", ...base, ...ns, arguments: "" });
    st.open = open;
    if (st.args) {
      open.item.arguments = st.args;
      this.emit({ type: "response.function_call_arguments.delta", item_id: open.item.id, output_index: open.index, delta: st.args });
    }
  }

  private closeAll(): void {
    this.segments(this.splitter.flush());
    this.closeReasoning();
    this.closeMessage();
    for (const st of this.tools.values()) this.closeTool(st);
    this.tools.clear();
  }

  private closeReasoning(): void {
    if (!this.reasoning) return;
    const { item, index } = this.reasoning;
    const part = item.content[0];
    this.emit({ type: "response.reasoning_text.done", item_id: item.id, output_index: index, content_index: 0, text: part.text });
    this.emit({ type: "response.content_part.done", item_id: item.id, output_index: index, content_index: 0, part: copy(part) });
    this.doneItem(this.reasoning);
    this.reasoning = undefined;
  }

  private closeMessage(): void {
    if (!this.message) return;
    const { item, index } = this.message;
    const part = item.content[0];
    this.emit({ type: "response.output_text.done", item_id: item.id, output_index: index, content_index: 0, text: part.text });
    this.emit({ type: "response.content_part.done", item_id: item.id, output_index: index, content_index: 0, part: copy(part) });
    this.doneItem(this.message);
    this.message = undefined;
  }

  private closeTool(st: ToolState): void {
    if (!st.open) return; // never got a name: nothing a client could run
    const { item, index } = st.open;
    if (item.type === "function_call") {
      this.emit({ type: "response.function_call_arguments.done", item_id: item.id, output_index: index, arguments: item.arguments });
    } else {
      item.input = customInput(st.args);
      if (item.input) this.emit({ type: "response.custom_tool_call_input.delta", item_id: item.id, output_index: index, delta: item.input });
      this.emit({ type: "response.custom_tool_call_input.done", item_id: item.id, output_index: index, input: item.input });
    }
    this.doneItem(st.open);
  }

  private doneItem(open: Open<ResponseObject["output"][number]>): void {
    open.item.status = this.itemStatus();
    this.emit({ type: "response.output_item.done", output_index: open.index, item: copy(open.item) });
  }
}

/** A custom tool was offered as a function taking `{input}`; a model that skipped the wrapper still gets through. */
function customInput(args: string): string {
  try {
    const v = JSON.parse(args) as unknown;
    if (v && typeof v === "object" && typeof (v as { input?: unknown }).input === "string") return (v as { input: string }).input;
  } catch {
    // not JSON: the model wrote the raw input
  }
  return args;
}

function initialResponse(opts: StreamOptions, id: string): ResponseObject {
  const r: ResponseObject = {
    id,
    object: "response",
    created_at: opts.createdAt ?? Math.floor(Date.now() / 1000),
    status: "in_progress",
    model: opts.model,
    output: [],
    usage: null,
    error: null,
    incomplete_details: null,
  };
  const req = opts.request;
  if (!req) return r;
  if (typeof req.parallel_tool_calls === "boolean") r.parallel_tool_calls = req.parallel_tool_calls;
  if (req.tool_choice !== undefined) r.tool_choice = req.tool_choice;
  if (req.temperature !== undefined) r.temperature = req.temperature;
  if (req.top_p !== undefined) r.top_p = req.top_p;
  if (req.max_output_tokens !== undefined) r.max_output_tokens = req.max_output_tokens;
  if (req.previous_response_id !== undefined) r.previous_response_id = req.previous_response_id;
  if (req.metadata) r.metadata = req.metadata;
  return r;
}

/** One Responses event as SSE: the `event:` line names the type, as OpenAI's stream does. */
export function serializeEvent(ev: ResponsesEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}
