// Streams ⇄ final objects, so one cache entry can answer both stream and non-stream
// requests. Chat: merge chunk deltas into a chat.completion and split one back into chunks.
// Responses: the final object is the `response` of response.completed; a non-stream
// response is replayed as the event sequence the Responses streaming reference describes.

type Obj = Record<string, any>;

export interface ChatToolCall {
  id: string;
  type: string;
  function: { name: string; arguments: string };
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  system_fingerprint?: string | null;
  choices: {
    index: number;
    message: {
      role: string;
      content: string | null;
      reasoning_content?: string;
      refusal?: string | null;
      tool_calls?: ChatToolCall[];
    };
    finish_reason: string | null;
    logprobs: unknown;
  }[];
  usage?: unknown;
}

type Choice = ChatCompletion["choices"][number];

export function assembleChat(chunks: unknown[]): ChatCompletion {
  const out: ChatCompletion = { id: "", object: "chat.completion", created: 0, model: "", choices: [] };
  const byIndex = new Map<number, Choice>();
  for (const raw of chunks) {
    if (raw === null || typeof raw !== "object") continue;
    const c = raw as Obj;
    if (!out.id && typeof c.id === "string") out.id = c.id;
    if (!out.created && typeof c.created === "number") out.created = c.created;
    if (!out.model && typeof c.model === "string") out.model = c.model;
    if (c.system_fingerprint != null) out.system_fingerprint = c.system_fingerprint;
    if (c.usage != null) out.usage = c.usage;
    for (const ch of Array.isArray(c.choices) ? c.choices : []) mergeChoice(byIndex, ch as Obj);
  }
  out.choices = [...byIndex.values()].sort((a, b) => a.index - b.index);
  for (const ch of out.choices) {
    // OpenAI's non-stream answer has content null when the turn is only tool calls.
    if (ch.message.content === "" && ch.message.tool_calls?.length) ch.message.content = null;
  }
  return out;
}

function mergeChoice(byIndex: Map<number, Choice>, ch: Obj): void {
  const index = typeof ch.index === "number" ? ch.index : 0;
  let cur = byIndex.get(index);
  if (!cur) {
    cur = { index, message: { role: "assistant", content: null }, finish_reason: null, logprobs: null };
    byIndex.set(index, cur);
  }
  const m = cur.message;
  const d: Obj = ch.delta ?? {};
  if (typeof d.role === "string") m.role = d.role;
  if (typeof d.content === "string") m.content = (m.content ?? "") + d.content;
  if (typeof d.reasoning_content === "string") m.reasoning_content = (m.reasoning_content ?? "") + d.reasoning_content;
  if (typeof d.refusal === "string") m.refusal = (m.refusal ?? "") + d.refusal;
  for (const tc of Array.isArray(d.tool_calls) ? d.tool_calls : []) mergeToolCall(m, tc as Obj);
  if (ch.finish_reason != null) cur.finish_reason = ch.finish_reason;
  if (Array.isArray(ch.logprobs?.content)) {
    const prev = (cur.logprobs as Obj | null)?.content ?? [];
    cur.logprobs = { ...(cur.logprobs as Obj | null), content: [...prev, ...ch.logprobs.content] };
  }
}

// Tool calls stream by `index`: the first delta carries id, type and name, the rest append
// argument fragments.
function mergeToolCall(m: Choice["message"], tc: Obj): void {
  m.tool_calls ??= [];
  const i = typeof tc.index === "number" ? tc.index : m.tool_calls.length;
  const call = (m.tool_calls[i] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
  if (typeof tc.id === "string") call.id = tc.id;
  if (typeof tc.type === "string") call.type = tc.type;
  if (typeof tc.function?.name === "string") call.function.name += tc.function.name;
  if (typeof tc.function?.arguments === "string") call.function.arguments += tc.function.arguments;
}

/** Splits text into up to `parts` pieces on word boundaries (a replay that still streams). */
export function splitText(text: string, parts = 4): string[] {
  if (text.length === 0) return [];
  const words = text.split(/(?<=\s)/);
  const per = Math.max(1, Math.ceil(words.length / parts));
  const out: string[] = [];
  for (let i = 0; i < words.length; i += per) out.push(words.slice(i, i + per).join(""));
  return out;
}

/** A chat.completion as the chunk sequence a streaming upstream would have sent. */
export function chatToChunks(final: ChatCompletion): Obj[] {
  const head = { id: final.id, object: "chat.completion.chunk", created: final.created, model: final.model };
  const fp = final.system_fingerprint !== undefined ? { system_fingerprint: final.system_fingerprint } : {};
  const chunk = (index: number, delta: Obj, finish: string | null = null): Obj => ({
    ...head, ...fp, choices: [{ index, delta, logprobs: null, finish_reason: finish }],
  });
  const out: Obj[] = [];
  for (const ch of final.choices) {
    const m = ch.message;
    out.push(chunk(ch.index, { role: m.role, content: m.content === null ? null : "" }));
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

/** Responses: the final object is what response.completed (or .incomplete/.failed) carries. */
export function assembleResponse(events: unknown[]): Obj | null {
  let last: Obj | null = null;
  for (const e of events) {
    const ev = e as Obj | null;
    if (ev && typeof ev.type === "string" && /^response\.(completed|incomplete|failed)$/.test(ev.type)) last = ev.response;
  }
  return last;
}
