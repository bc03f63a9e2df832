// Anthropic `system` + `messages` → chat `messages`, in order.
//
// Choices, and why:
// - Where system text goes. Many local chat templates (Qwen, Llama, Gemma, Mistral) accept
//   only ONE system message and only as the first message, yet Claude Code puts
//   `role: "system"` messages inside `messages` (its environment and deferred-tool list,
//   after the first user message). So the `system` field, plus every system message that
//   comes before the first assistant turn, form one leading system message. A system
//   message after an assistant turn becomes a `<system-reminder>` text in a user message
//   (Claude Code's own convention for mid-conversation instructions): appended to the user
//   message it follows, else put at the start of the next user content. Hoisting is stable
//   across turns (the same messages hoist every time), so a local prefix cache still hits.
// - The first `system` block starting `x-anthropic-billing-header:` is dropped: Claude Code
//   puts a per-request value there, which would change the prompt's first tokens on every
//   request and defeat every local prefix cache.
// - `tool_result` blocks become `tool` messages placed right after the assistant message
//   that called them, before the rest of that user message (chat templates pair each tool
//   message with the preceding tool call). `is_error` prefixes the text with "Error: ":
//   chat tool messages have no error flag, and the model should still know. Images in a
//   tool result (chat tool messages take only text) move to the user message that follows.
// - Thinking blocks go back as the assistant's `reasoning_content` (signed or not: a local
//   model cannot check a signature); `redacted_thinking` is dropped silently (it is
//   encrypted for Anthropic's models only, and Claude Code sends it back as a matter of course).
// - Consecutive messages of one role are merged, so roles alternate as strict templates
//   require. Text-only content becomes a string (blocks joined by a blank line).
// - Unknown block types (document, server tool results, …) are dropped with a warning; the
//   translator never throws on a shape the lenient schema let through.
import type { ChatContentPart, ChatMessage, ChatToolCall } from "../chat.ts";
import type { ContentBlockParam, ImageSource, MessageParam, MessagesRequest, ToolResultBlockParam } from "../messages.ts";
import { chatNameFor, type ToolNameMap } from "./tool-names.ts";

const BILLING_HEADER = "x-anthropic-billing-header:";

/** Claude Code's per-request pseudo-header block in `system`. */
export function isBillingHeader(text: string): boolean {
  return text.trimStart().startsWith(BILLING_HEADER);
}

interface Ctx {
  out: ChatMessage[];
  warnings: string[];
  toolNames: ToolNameMap;
  system: string[];
  /** Late system texts waiting for a user message to join. */
  pending: string[];
  seenAssistant: boolean;
}

type Block = Record<string, unknown> & { type?: unknown };
const isObj = (v: unknown): v is Block => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");

function blocksOf(content: MessageParam["content"] | undefined): Block[] {
  if (typeof content === "string") return content ? [{ type: "text", text: content }] : [];
  return Array.isArray(content) ? (content as unknown[]).filter(isObj) : [];
}

function imagePart(source: ImageSource | undefined, ctx: Ctx): ChatContentPart | undefined {
  const s = source as Record<string, unknown> | undefined;
  if (isObj(s) && s.type === "base64" && typeof s.data === "string") {
    return { type: "image_url", image_url: { url: `data:${str(s.media_type)};base64,${s.data}` } };
  }
  if (isObj(s) && s.type === "url" && typeof s.url === "string") return { type: "image_url", image_url: { url: s.url } };
  ctx.warnings.push(`an image with source "${String(isObj(s) ? s.type : s)}" was dropped: only base64 and url sources can be sent on`);
  return undefined;
}

function asContent(parts: ChatContentPart[]): string | ChatContentPart[] {
  return parts.every((p) => p.type === "text") ? parts.map((p) => p.text ?? "").join("\n\n") : parts;
}

function textOnly(blocks: Block[], what: string, ctx: Ctx): string {
  const texts: string[] = [];
  for (const b of blocks) {
    if (b.type === "text") texts.push(str(b.text));
    else ctx.warnings.push(`a "${String(b.type)}" block in ${what} was dropped: only text is carried there`);
  }
  return texts.join("\n\n");
}

function appendTo(msg: ChatMessage, content: string | ChatContentPart[]): void {
  const prev = msg.content;
  if (typeof prev === "string" && typeof content === "string") {
    msg.content = prev ? `${prev}\n\n${content}` : content;
    return;
  }
  const asParts = (c: typeof prev): ChatContentPart[] => (typeof c === "string" ? (c ? [{ type: "text", text: c }] : []) : (c ?? []));
  msg.content = [...asParts(prev), ...asParts(content)];
}

function pushUser(content: string | ChatContentPart[], ctx: Ctx): void {
  const last = ctx.out.at(-1);
  if (last?.role === "user") appendTo(last, content);
  else ctx.out.push({ role: "user", content });
}

function reminder(text: string): string {
  return text.trimStart().startsWith("<system-reminder>") ? text : `<system-reminder>\n${text}\n</system-reminder>`;
}

function addSystem(m: MessageParam, ctx: Ctx): void {
  const text = textOnly(blocksOf(m.content), "a system message", ctx);
  if (!text) return;
  if (!ctx.seenAssistant) ctx.system.push(text);
  else if (ctx.out.at(-1)?.role === "user") pushUser(reminder(text), ctx);
  else ctx.pending.push(reminder(text));
}

function flushPending(ctx: Ctx): void {
  if (ctx.pending.length === 0) return;
  pushUser(ctx.pending.join("\n\n"), ctx);
  ctx.pending = [];
}

function toolMessage(b: ToolResultBlockParam, carried: ChatContentPart[], ctx: Ctx): ChatMessage {
  const texts: string[] = [];
  for (const c of blocksOf(b.content as MessageParam["content"])) {
    if (c.type === "text") texts.push(str(c.text));
    else if (c.type === "image") {
      const part = imagePart(c.source as ImageSource, ctx);
      if (part) carried.push(part);
    } else ctx.warnings.push(`a "${String(c.type)}" block in a tool result was dropped: a chat tool message carries only text`);
  }
  const text = texts.join("\n\n");
  const content = b.is_error === true ? `Error: ${text}`.trimEnd() : text;
  return { role: "tool", tool_call_id: str(b.tool_use_id), content };
}

function addUser(m: MessageParam, ctx: Ctx): void {
  const parts: ChatContentPart[] = ctx.pending.map((text) => ({ type: "text", text }));
  ctx.pending = [];
  const carried: ChatContentPart[] = [];
  for (const b of blocksOf(m.content)) {
    if (b.type === "tool_result") ctx.out.push(toolMessage(b as ToolResultBlockParam, carried, ctx));
    else if (b.type === "text") parts.push({ type: "text", text: str(b.text) });
    else if (b.type === "image") {
      const part = imagePart(b.source as ImageSource, ctx);
      if (part) parts.push(part);
    } else ctx.warnings.push(`a "${String(b.type)}" block in a user message was dropped: no chat equivalent`);
  }
  // Images a tool returned come first: they belong to the results just above.
  const all = [...carried, ...parts];
  if (all.length > 0) pushUser(asContent(all), ctx);
}

function toolCall(b: Block, ctx: Ctx): ChatToolCall {
  const name = chatNameFor(ctx.toolNames, str(b.name));
  return { id: str(b.id), type: "function", function: { name, arguments: JSON.stringify(b.input ?? {}) } };
}

function addAssistant(m: MessageParam, ctx: Ctx): void {
  ctx.seenAssistant = true;
  const texts: string[] = [];
  const thinking: string[] = [];
  const calls: ChatToolCall[] = [];
  for (const b of blocksOf(m.content)) {
    if (b.type === "text") texts.push(str(b.text));
    else if (b.type === "tool_use") calls.push(toolCall(b, ctx));
    else if (b.type === "thinking") thinking.push(str(b.thinking));
    else if (b.type !== "redacted_thinking") ctx.warnings.push(`a "${String(b.type)}" block in an assistant message was dropped: no chat equivalent`);
  }
  const text = texts.filter(Boolean).join("\n\n");
  const reasoning = thinking.filter(Boolean).join("\n\n");
  if (!text && !reasoning && calls.length === 0) return;
  const last = ctx.out.at(-1);
  if (last?.role === "assistant" && !last.tool_calls) {
    // Anthropic merges consecutive assistant turns; strict templates would reject two.
    if (text) last.content = typeof last.content === "string" && last.content ? `${last.content}\n\n${text}` : text;
    if (reasoning) last.reasoning_content = last.reasoning_content ? `${last.reasoning_content}\n\n${reasoning}` : reasoning;
    if (calls.length > 0) last.tool_calls = calls;
    return;
  }
  const msg: ChatMessage = { role: "assistant", content: text || (calls.length > 0 ? null : "") };
  if (reasoning) msg.reasoning_content = reasoning;
  if (calls.length > 0) msg.tool_calls = calls;
  ctx.out.push(msg);
}

function systemField(system: MessagesRequest["system"], ctx: Ctx): void {
  if (typeof system === "string") {
    if (system) ctx.system.push(system);
    return;
  }
  let blocks = blocksOf(system as ContentBlockParam[]);
  const billing = blocks.findIndex((b) => b.type === "text" && isBillingHeader(str(b.text)));
  if (billing >= 0) blocks = blocks.filter((_, i) => i !== billing);
  const text = textOnly(blocks, "system", ctx);
  if (text) ctx.system.push(text);
}

export function translateHistory(req: Pick<MessagesRequest, "system" | "messages">, toolNames: ToolNameMap, warnings: string[]): ChatMessage[] {
  const ctx: Ctx = { out: [], warnings, toolNames, system: [], pending: [], seenAssistant: false };
  systemField(req.system, ctx);
  for (const m of Array.isArray(req.messages) ? req.messages : []) {
    if (!isObj(m)) warnings.push("a message that is not an object was dropped");
    else if (m.role === "system") addSystem(m, ctx);
    else if (m.role === "user") addUser(m, ctx);
    else if (m.role === "assistant") {
      flushPending(ctx);
      addAssistant(m, ctx);
    } else warnings.push(`a message with role ${JSON.stringify(m.role) ?? "undefined"} was dropped`);
  }
  flushPending(ctx);
  if (ctx.system.length > 0) ctx.out.unshift({ role: "system", content: ctx.system.join("\n\n") });
  return ctx.out;
}
