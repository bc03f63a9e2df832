// Chat Completions (POST /v1/chat/completions): the row, and how a stream of chunks and one
// chat.completion turn into each other, so one cache entry answers both shapes.
import { OPENAI_ERRORS } from "../errors.ts";
import { Type } from "@sinclair/typebox";
import { DONE, chunkStreamEnd, chunkTerminalError, hasChoices, identify, isCompleteChat, replayChunks, splitText } from "./chunks.ts";
import type { Assembler, Continuation, Json, Payload, ProtocolSpec } from "./spec.ts";
import type { ChatChunk, ChatCompletion } from "../chat.ts";
import { DeltaChunkShape } from "../translate/delta-chunks.ts";
import { COMMON_FIELDS, TRANSPORT_AND_IDENTITY } from "./common.ts";
import { compiledOnUse } from "./compile-on-use.ts";

/** A chat.completion as the cache keeps it: the protocol's schema, every choice numbered. */
export type AssembledCompletion = ChatCompletion & { choices: AssembledChoice[] };
type AssembledChoice = ChatCompletion["choices"][number] & { index: number; message: Message };
type Message = ChatCompletion["choices"][number]["message"] & { role: string; content: string | null };

const str = (v: unknown): v is string => typeof v === "string";
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});

/** Chunk deltas merged into one chat.completion, one chunk at a time. */
export function chatAssembler(): { push(chunk: unknown): void; finish(): AssembledCompletion } {
  const out: AssembledCompletion = { id: "", object: "chat.completion", created: 0, model: "", choices: [] };
  const byIndex = new Map<number, AssembledChoice>();
  return {
    push(raw) {
      if (raw === null || typeof raw !== "object") return;
      const c = raw as Json;
      if (!out.id && str(c.id)) out.id = c.id;
      if (!out.created && typeof c.created === "number") out.created = c.created;
      if (!out.model && str(c.model)) out.model = c.model;
      if (c.system_fingerprint != null) out.system_fingerprint = c.system_fingerprint;
      if (c.usage != null) out.usage = c.usage as AssembledCompletion["usage"];
      for (const ch of arr(c.choices)) mergeChoice(byIndex, obj(ch));
    },
    finish() {
      out.choices = [...byIndex.values()].sort((a, b) => a.index - b.index);
      for (const ch of out.choices) {
        // OpenAI's non-stream answer has content null when the turn is only tool calls.
        if (ch.message.content === "" && ch.message.tool_calls?.length) ch.message.content = null;
      }
      return out;
    },
  };
}

/**
 * The assembler the cache's recorder uses: chatAssembler, with the per-chunk fast path the
 * translators have (translate/delta-chunks.ts): a recorded stream's JSON.parse of every chunk
 * cost about as much per chunk as translating it. Only a chunk whose merge is nothing but
 * text appended to choice 0 is learnt (onlyText), so a chunk of its shape differs from it in
 * that text alone. Such chunks in a row are merged as one: the learnt chunk carrying all their
 * text, pushed before anything else is merged or the answer is read.
 */
function recordingAssembler(): Assembler {
  const a = chatAssembler();
  const shape = new DeltaChunkShape();
  /** The learnt chunk, parsed, its text to be replaced by the pieces taken. */
  let learnt: ChatChunk | null = null;
  /** Taken from the batch being read: slices of its text. */
  let pieces: string[] = [];
  /** Taken from earlier batches since the last merge, copied out of them. */
  let taken: string | null = null;
  const flush = () => {
    copyOut();
    if (taken === null || !learnt) return;
    learnt.choices[0]!.delta!.content = taken;
    taken = null;
    a.push(learnt);
  };
  // In JSC a slice keeps the whole string it was cut from alive, so a piece must not outlive
  // its batch: a burst of big recorded answers held most of their batches until they ended.
  // join() makes one new string of its own (concatenation would make a rope of the slices,
  // and JSON.parse(JSON.stringify()) two strings).
  const copyOut = () => {
    if (pieces.length === 0) return;
    taken = (taken ?? "") + (pieces.length === 1 ? [pieces[0], ""] : pieces).join("");
    pieces = [];
  };
  return {
    push(payload) {
      flush();
      a.push(payload);
    },
    finish() {
      flush();
      return a.finish() as unknown as Json;
    },
    take(text, start, end) {
      if (!learnt || !shape.match(text, start, end)) return false;
      pieces.push(shape.piece);
      shape.piece = ""; // a slice of this batch: only `pieces` may hold it, and only until batchDone
      return true;
    },
    batchDone: copyOut,
    learn(data, payload) {
      if (onlyText(payload) && shape.learn(data, payload as unknown as ChatChunk)) learnt = JSON.parse(data) as ChatChunk;
    },
  };
}

/** A chunk whose merge is nothing but appending its content to choice 0's. */
function onlyText(c: Json): boolean {
  if (c.usage != null || c.error != null || !Array.isArray(c.choices) || c.choices.length !== 1) return false;
  const ch = obj(c.choices[0]);
  if ((ch.index ?? 0) !== 0 || ch.finish_reason != null || ch.logprobs != null) return false;
  const d = obj(ch.delta);
  const tools = d.tool_calls;
  return (
    str(d.content) &&
    d.content !== "" &&
    d.reasoning_content == null &&
    d.reasoning == null &&
    d.refusal == null &&
    d.function_call == null &&
    (tools == null || (Array.isArray(tools) && tools.length === 0))
  );
}

/** Merge chunk deltas into one chat.completion. */
export function assembleChat(chunks: unknown[]): AssembledCompletion {
  const a = chatAssembler();
  for (const c of chunks) a.push(c);
  return a.finish();
}

function mergeChoice(byIndex: Map<number, AssembledChoice>, ch: Json): void {
  const index = typeof ch.index === "number" ? ch.index : 0;
  let cur = byIndex.get(index);
  if (!cur) {
    cur = { index, message: { role: "assistant", content: null }, finish_reason: null, logprobs: null };
    byIndex.set(index, cur);
  }
  const m = cur.message;
  const d = obj(ch.delta);
  if (str(d.role)) m.role = d.role;
  if (str(d.content)) m.content = (m.content ?? "") + d.content;
  if (str(d.reasoning_content)) m.reasoning_content = (m.reasoning_content ?? "") + d.reasoning_content;
  if (str(d.refusal)) m.refusal = (m.refusal ?? "") + d.refusal;
  for (const tc of arr(d.tool_calls)) mergeToolCall(m, obj(tc));
  if (ch.finish_reason != null) cur.finish_reason = ch.finish_reason as string;
  const lp = obj(ch.logprobs).content;
  if (Array.isArray(lp)) {
    const prev = arr(obj(cur.logprobs).content);
    cur.logprobs = { ...obj(cur.logprobs), content: [...prev, ...lp] };
  }
}

// Tool calls stream by `index`: the first delta carries id, type and name, the rest append
// argument fragments.
function mergeToolCall(m: Message, tc: Json): void {
  m.tool_calls ??= [];
  const i = typeof tc.index === "number" ? tc.index : m.tool_calls.length;
  if (!m.tool_calls[i]) m.tool_calls[i] = { id: "", type: "function", function: { name: "", arguments: "" } };
  const call = m.tool_calls[i];
  const fn = obj(tc.function);
  if (str(tc.id)) call.id = tc.id;
  if (str(fn.name)) call.function.name += fn.name;
  if (str(fn.arguments)) call.function.arguments += fn.arguments;
}

/** A chat.completion as the chunk sequence a streaming upstream would have sent. */
export function chatToChunks(final: AssembledCompletion): Json[] {
  const head = { id: final.id, object: "chat.completion.chunk", created: final.created, model: final.model };
  const fp = final.system_fingerprint !== undefined ? { system_fingerprint: final.system_fingerprint } : {};
  const chunk = (index: number, delta: Json, finish: string | null = null): Json => ({
    ...head,
    ...fp,
    choices: [{ index, delta, logprobs: null, finish_reason: finish }],
  });
  const out: Json[] = [];
  for (const ch of final.choices ?? []) {
    const m = ch.message;
    out.push(chunk(ch.index, { role: m.role ?? "assistant", content: m.content === null ? null : "" }));
    for (const piece of splitText(m.reasoning_content ?? "")) out.push(chunk(ch.index, { reasoning_content: piece }));
    for (const piece of splitText(m.content ?? "")) out.push(chunk(ch.index, { content: piece }));
    if (m.refusal) out.push(chunk(ch.index, { refusal: m.refusal }));
    (m.tool_calls ?? []).forEach((tc, i) => {
      const first = { index: i, id: tc.id, type: tc.type, function: { name: tc.function.name, arguments: "" } };
      out.push(chunk(ch.index, { tool_calls: [first] }));
      for (const piece of splitText(tc.function.arguments, 2)) {
        out.push(chunk(ch.index, { tool_calls: [{ index: i, function: { arguments: piece } }] }));
      }
    });
    out.push(chunk(ch.index, {}, ch.finish_reason));
  }
  if (final.usage != null) out.push({ ...head, ...fp, choices: [], usage: final.usage });
  return out;
}

/** Does this chunk start the answer (content, a tool call, a thinking trace) or end it? */
function isContent(data: string): boolean {
  if (data === DONE) return true;
  let ev: Json;
  try {
    ev = obj(JSON.parse(data));
  } catch {
    return true; // not ours to judge: let the client see it
  }
  if (ev.error) return true;
  for (const c of arr(ev.choices)) {
    const ch = obj(c);
    if (ch.finish_reason) return true;
    const d = obj(ch.delta);
    if (d.content || arr(d.tool_calls).length || d.reasoning_content || d.reasoning || d.function_call) return true;
  }
  return false;
}

/**
 * The body with stream_options.include_usage = true. Inserted as text when the client set
 * no stream_options (the common case), so the rest of the body stays byte for byte.
 */
export function withUsageRequested(body: string): string {
  if (!body.includes('"stream_options"')) {
    const brace = body.indexOf("{");
    return brace === -1 ? body : body.slice(0, brace + 1) + '"stream_options":{"include_usage":true},' + body.slice(brace + 1);
  }
  try {
    const parsed = JSON.parse(body);
    if (parsed.stream_options?.include_usage === true) return body;
    parsed.stream_options = { ...parsed.stream_options, include_usage: true };
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}

const USAGE_OBJECT = /"usage"\s*:\s*\{/;

/** The usage-only chunks (`"choices":[]` with usage) left out; null when there are none. */
export function stripUsageEvents<E extends Payload>(events: E[]): E[] | null {
  const kept = events.filter((ev) => !(ev.data.includes('"choices":[]') && USAGE_OBJECT.test(ev.data)));
  return kept.length === events.length ? null : kept;
}

function deltaOf(data: string): Json | null {
  try {
    const d = obj(arr(obj(JSON.parse(data)).choices)[0]).delta;
    return d && typeof d === "object" ? (d as Json) : null;
  } catch {
    return null;
  }
}

// The client sees one answer: the continuation's own role chunk is dropped at the seam.
const continuation: Continuation = {
  textOf: (data) => {
    const c = deltaOf(data)?.content;
    return typeof c === "string" ? c : "";
  },
  opensAnswer: (data) => {
    const d = deltaOf(data);
    return !!d && !!d.role && !d.content && !d.tool_calls;
  },
  resume(sentBody, partial) {
    const sent = JSON.parse(sentBody) as Json;
    return JSON.stringify({ ...sent, messages: [...arr(sent.messages), { role: "assistant", content: partial }] });
  },
};

const lenientCheck = compiledOnUse(Type.Object({ ...COMMON_FIELDS, messages: Type.Array(Type.Object({ role: Type.String() })) }));

export const chat: ProtocolSpec = {
  api: "chat",
  path: "/chat/completions",
  get check() {
    return lenientCheck();
  },
  streams: true,
  deterministic: false,
  prompt: { turns: "messages" },
  keyFields: [
    "messages",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "functions",
    "function_call",
    "temperature",
    "top_p",
    "n",
    "seed",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "presence_penalty",
    "frequency_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "response_format",
    "reasoning_effort",
    "verbosity",
    "modalities",
    "audio",
    "prediction",
    "web_search_options",
  ],
  keyExcluded: [...TRANSPORT_AND_IDENTITY, "prompt_cache_key"], // prompt_cache_key: upstream cache-routing hint
  conversations: false,
  errors: OPENAI_ERRORS,
  continuation,
  requestUsage: withUsageRequested,
  stripUsage: stripUsageEvents,
  freshId: (hex) => `chatcmpl-${hex(12)}`,
  isContent,
  streamEnd: chunkStreamEnd,
  terminalError: chunkTerminalError,
  isAnswer: hasChoices,
  assembler: recordingAssembler,
  complete: (final) => isCompleteChat(final),
  toEvents: (final) => chatToChunks(final as unknown as AssembledCompletion),
  replay: (payloads, final, o) => replayChunks(payloads, final, o, "chat.completion.chunk"),
  identify,
};
