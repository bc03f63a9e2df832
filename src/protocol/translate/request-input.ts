// Responses `input` items → chat `messages`, in order. Item ids are dropped (chat has none).
//
// Choices, and why:
// - `developer` becomes `system`: llama.cpp, Ollama and older vLLM chat templates reject it.
// - Consecutive system messages merge into one: many Jinja chat templates (Qwen, Llama,
//   Mistral) raise unless there is exactly one system message, at the start. Codex sends
//   two developer messages up front.
// - Text-only content becomes a plain string (parts joined by "\n"): several local servers
//   accept only strings for assistant/system/tool content.
// - `reasoning` items are dropped: a chat upstream cannot resume an encrypted trace, and
//   templates that accept a plain one disagree on where it goes.
// - `function_call`s right after an assistant message (or each other) join that assistant
//   message's `tool_calls`, the shape a chat model produced them in.
// The route stage checks the request against the strict ResponsesRequest schema before any
// of this runs; the translator still never throws on a shape it did not expect (an item
// that is not an object, content of another type): it drops or empties it, with a warning.
import type { ChatContentPart, ChatMessage } from "../chat.ts";
import type {
  InputContentPart,
  InputCustomToolCallItem,
  InputFunctionCallItem,
  InputItem,
  InputMessageItem,
  InputToolOutputItem,
} from "../responses.ts";
import { chatNameFor, type ToolNameMap } from "./tool-names.ts";

interface Ctx {
  messages: ChatMessage[];
  warnings: string[];
  toolNames: ToolNameMap;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const optStr = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function isText(p: InputContentPart): boolean {
  return p.type === "input_text" || p.type === "output_text" || p.type === "text" || p.type === "refusal";
}

function partText(p: InputContentPart): string {
  return str(p.text ?? (p as { refusal?: string }).refusal);
}

function contentOf(content: string | InputContentPart[], allowImages: boolean, ctx: Ctx): string | ChatContentPart[] {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) {
    ctx.warnings.push("content that is neither a string nor an array of parts was dropped");
    return "";
  }
  const parts: ChatContentPart[] = [];
  for (const p of content as unknown[]) {
    if (!isObj(p)) ctx.warnings.push("a content part that is not an object was dropped");
    else if (isText(p as InputContentPart)) parts.push({ type: "text", text: partText(p as InputContentPart) });
    else if (p.type === "input_image" && typeof p.image_url === "string" && p.image_url && allowImages) {
      const url = p.image_url;
      parts.push({ type: "image_url", image_url: typeof p.detail === "string" && p.detail ? { url, detail: p.detail } : { url } });
    } else ctx.warnings.push(`input part "${String(p.type)}" was dropped: no chat equivalent here`);
  }
  if (parts.every((p) => p.type === "text")) return parts.map((p) => p.text ?? "").join("\n");
  return parts;
}

const ROLES = new Set(["user", "assistant", "system", "developer"]);

function addMessage(item: InputMessageItem, ctx: Ctx): void {
  if (!ROLES.has(item.role)) {
    ctx.warnings.push(`a message with role ${JSON.stringify(item.role) ?? "undefined"} was dropped`);
    return;
  }
  const role = item.role === "developer" ? "system" : item.role;
  const content = contentOf(item.content, role === "user", ctx);
  const prev = ctx.messages.at(-1);
  if (role === "system" && prev?.role === "system" && typeof prev.content === "string" && typeof content === "string") {
    prev.content = `${prev.content}\n\n${content}`;
    return;
  }
  ctx.messages.push({ role, content });
}

function addToolCall(id: string, name: string, args: string, ctx: Ctx): void {
  const call = { id, type: "function" as const, function: { name, arguments: args } };
  const prev = ctx.messages.at(-1);
  if (prev?.role === "assistant") {
    prev.tool_calls ??= [];
    prev.tool_calls.push(call);
    return;
  }
  ctx.messages.push({ role: "assistant", content: null, tool_calls: [call] });
}

function addToolOutput(item: InputToolOutputItem, ctx: Ctx): void {
  const content = contentOf(item.output, false, ctx);
  ctx.messages.push({ role: "tool", tool_call_id: str(item.call_id), content: typeof content === "string" ? content : "" });
}

function addItem(item: InputItem, ctx: Ctx): void {
  if (!isObj(item)) {
    ctx.warnings.push("an input item that is not an object was dropped");
    return;
  }
  switch (item.type ?? "message") {
    case "message":
      addMessage(item as InputMessageItem, ctx);
      return;
    case "function_call": {
      const fc = item as InputFunctionCallItem;
      addToolCall(str(fc.call_id), chatNameFor(ctx.toolNames, str(fc.name), optStr(fc.namespace)), str(fc.arguments), ctx);
      return;
    }
    case "custom_tool_call": {
      const cc = item as InputCustomToolCallItem;
      const args = JSON.stringify({ input: cc.input });
      addToolCall(str(cc.call_id), chatNameFor(ctx.toolNames, str(cc.name), optStr(cc.namespace)), args, ctx);
      return;
    }
    case "function_call_output":
    case "custom_tool_call_output":
      addToolOutput(item as InputToolOutputItem, ctx);
      return;
    case "reasoning":
      return;
    default:
      ctx.warnings.push(`input item "${String(item.type)}" was dropped: a chat completions upstream has no equivalent`);
  }
}

export function translateInput(
  input: string | InputItem[] | undefined,
  instructions: string | null | undefined,
  toolNames: ToolNameMap,
  warnings: string[],
): ChatMessage[] {
  const ctx: Ctx = { messages: [], warnings, toolNames };
  if (typeof instructions === "string" && instructions) ctx.messages.push({ role: "system", content: instructions });
  if (typeof input === "string") ctx.messages.push({ role: "user", content: input });
  else if (Array.isArray(input)) for (const item of input) addItem(item, ctx);
  return ctx.messages;
}
