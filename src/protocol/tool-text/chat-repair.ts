// Tool calls written as text, repaired on the Chat Completions wire: a stream of chunks or a
// whole completion in, the same with `tool_calls` where the text held a call. Only choice 0
// of a stream is repaired (agents ask for one choice); a completion's choices each are.
//
// Decisions:
// - One chunk per repaired call, its whole arguments in one delta, as OpenAI streams parallel
//   calls; indexes follow the upstream's own tool calls. (A real call the upstream sends after
//   a repaired one keeps its own index; upstreams that do both in one answer are not known.)
// - finish_reason "stop" becomes "tool_calls" once a call was repaired, since agents run calls
//   on that reason. "length" and "content_filter" stay: the answer was still cut off.
// - A chunk the repair did not change is passed on as the same object.
import type { ChatChunk, ChatCompletion, ChatToolCall, ChatToolCallDelta } from "../chat.ts";
import type { OfferedTool, Piece, ScanOptions, TextToolCall } from "./format.ts";
import { scanWhole, ToolTextScanner } from "./scanner.ts";

export interface RepairOptions extends ScanOptions {
  /** Call id maker, injectable so tests are deterministic. */
  newId?: () => string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const randomCallId = (): string => `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;

export class ChatToolTextRepair {
  private readonly scanner: ToolTextScanner;
  private readonly newId: () => string;
  private nextIndex = 0;
  private done = false;
  /** The latest chunk, whose id/model/created the chunks made by end() copy. */
  private last: ChatChunk | undefined;

  constructor(opts: RepairOptions) {
    this.scanner = new ToolTextScanner(opts);
    this.newId = opts.newId ?? randomCallId;
  }

  get calls(): number {
    return this.scanner.calls;
  }

  push(chunk: ChatChunk): ChatChunk[] {
    const at = chunk.choices.findIndex((c, i) => (c.index ?? i) === 0);
    if (this.done || at < 0) return [chunk];
    this.last = chunk;
    const choice = chunk.choices[at];
    for (const tc of choice.delta?.tool_calls ?? []) this.nextIndex = Math.max(this.nextIndex, (tc.index ?? 0) + 1);
    const content = choice.delta?.content;
    const text = typeof content === "string" ? content : "";
    const finish = choice.finish_reason ?? null;
    if (text === "" && finish === null) return [chunk];
    const pieces = text === "" ? [] : this.scanner.push(text);
    // The answer ends with this chunk: what is held must go out before the finish_reason.
    if (finish !== null) {
      this.done = true;
      appendPieces(pieces, this.scanner.end());
    }
    const newFinish = finish === "stop" && this.scanner.calls > 0 ? "tool_calls" : finish;
    const unchanged = text === "" ? pieces.length === 0 : pieces.length === 1 && pieces[0].kind === "text" && pieces[0].text === text;
    if (unchanged && newFinish === finish) return [chunk];
    return this.rebuild(chunk, at, pieces, newFinish);
  }

  /** The stream ended without a finish_reason: release what is held. */
  end(): ChatChunk[] {
    if (this.done) return [];
    this.done = true;
    return this.scanner.end().map((p) => this.pieceChunk(this.last, p));
  }

  /** The chunk with its content replaced by the first text piece, then the other pieces. */
  private rebuild(chunk: ChatChunk, at: number, pieces: Piece[], finish: string | null): ChatChunk[] {
    const { content: _held, ...delta } = chunk.choices[at].delta ?? {};
    const same = (content: string | undefined, f: string | null): ChatChunk => ({
      ...chunk,
      choices: chunk.choices.map((c, i) => (i === at ? { ...c, delta: content === undefined ? delta : { ...delta, content }, finish_reason: f } : c)),
    });
    const lead = pieces[0]?.kind === "text" ? pieces[0].text : undefined;
    const rest = lead === undefined ? pieces : pieces.slice(1);
    if (finish === null) {
      const head = lead !== undefined || carriesMore(chunk, at, delta) ? [same(lead, null)] : [];
      return [...head, ...rest.map((p) => this.pieceChunk(chunk, p))];
    }
    if (rest.length === 0) return [same(lead, finish)];
    // The chunk itself goes last, so its finish_reason (and any usage) still ends the answer.
    return [...pieces.map((p) => this.pieceChunk(chunk, p)), same(undefined, finish)];
  }

  private pieceChunk(like: ChatChunk | undefined, p: Piece): ChatChunk {
    const delta = p.kind === "text" ? { content: p.text } : { tool_calls: [this.toolDelta(p.call)] };
    return { ...envelope(like), choices: [{ index: 0, delta, finish_reason: null }] };
  }

  private toolDelta(call: TextToolCall): ChatToolCallDelta {
    return { index: this.nextIndex++, id: this.newId(), type: "function", function: { name: call.name, arguments: call.arguments } };
  }
}

/** Does the chunk say anything besides its content (role, reasoning, other choices, usage…)? */
function carriesMore(chunk: ChatChunk, at: number, delta: Record<string, unknown>): boolean {
  if (chunk.choices.length > 1 || chunk.usage != null) return true;
  const present = ([k, v]: [string, unknown]) => v != null && !(Array.isArray(v) && v.length === 0) && k !== "content";
  const { index: _i, delta: _d, finish_reason: _f, ...choiceRest } = chunk.choices[at];
  return Object.entries(delta).some(present) || Object.entries(choiceRest).some(present);
}

function envelope(c: ChatChunk | undefined): Omit<ChatChunk, "choices"> {
  if (!c) return { object: "chat.completion.chunk" };
  const out: Omit<ChatChunk, "choices"> = {};
  if (c.id !== undefined) out.id = c.id;
  if (c.object !== undefined) out.object = c.object;
  if (c.created !== undefined) out.created = c.created;
  if (c.model !== undefined) out.model = c.model;
  return out;
}

function appendPieces(out: Piece[], more: Piece[]): void {
  for (const p of more) {
    const last = out.at(-1);
    if (p.kind === "text" && last?.kind === "text") last.text += p.text;
    else out.push(p);
  }
}

/** A whole completion: content keeps only its text (null if none), calls join `tool_calls`. */
export function repairCompletion(c: ChatCompletion, opts: RepairOptions): { completion: ChatCompletion; calls: number } {
  const newId = opts.newId ?? randomCallId;
  let calls = 0;
  const choices = c.choices.map((choice) => {
    const content = choice.message.content;
    if (typeof content !== "string" || content === "") return choice;
    const pieces = scanWhole(content, opts);
    const found = pieces.flatMap((p) => (p.kind === "call" ? [p.call] : []));
    if (found.length === 0) return choice;
    calls += found.length;
    const text = pieces.map((p) => (p.kind === "text" ? p.text : "")).join("");
    const toolCalls = [...(choice.message.tool_calls ?? []), ...found.map((call) => toChatToolCall(call, newId()))];
    const finish = choice.finish_reason === "stop" || choice.finish_reason == null ? "tool_calls" : choice.finish_reason;
    return { ...choice, message: { ...choice.message, content: text === "" ? null : text, tool_calls: toolCalls }, finish_reason: finish };
  });
  return { completion: calls === 0 ? c : { ...c, choices }, calls };
}

function toChatToolCall(call: TextToolCall, id: string): ChatToolCall {
  return { id, type: "function", function: { name: call.name, arguments: call.arguments } };
}

/** The function tools of a chat request's `tools` array; other kinds cannot be called from text. */
export function offeredTools(chatRequestTools: unknown): OfferedTool[] {
  if (!Array.isArray(chatRequestTools)) return [];
  const out: OfferedTool[] = [];
  for (const t of chatRequestTools) {
    if (!isObject(t) || t.type !== "function" || !isObject(t.function) || typeof t.function.name !== "string") continue;
    out.push({ name: t.function.name, parameters: t.function.parameters });
  }
  return out;
}
