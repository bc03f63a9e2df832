// What the mock reads out of a request, per client API: the user's last words (echoed back),
// the offered tool names (called by the tools markers) and the latest tool result (answered by
// text-tool, so an agent's loop ends). Lenient: anything unexpected reads as empty.

function partsText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .filter((p) => p && typeof p === "object" && typeof p.text === "string")
    .map((p) => p.text as string)
    .join("");
}

/** Chat `messages`: text of the last user message (string or text parts). */
export function lastChatUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m && m.role === "user") return partsText(m.content);
  }
  return "";
}

/** Responses `input`: a plain string, or items whose last user message has input_text parts. */
export function lastResponsesUserText(input: unknown): string {
  if (typeof input === "string") return input;
  if (!Array.isArray(input)) return "";
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i];
    if (item && item.role === "user" && (item.type === undefined || item.type === "message")) return partsText(item.content);
  }
  return "";
}

/**
 * Messages `messages`: the LAST text block of the last user message. Claude Code puts a
 * `<system-reminder>` text block before the prompt in the same message, so joining would echo it.
 */
export function lastMessagesUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return "";
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (!Array.isArray(m.content)) return "";
    const texts = m.content.filter((b: any) => b?.type === "text" && typeof b.text === "string");
    return texts.length > 0 ? texts.at(-1).text : "";
  }
  return "";
}

/** Names of function tools, in either OpenAI API's shape (chat nests them under `function`). */
export function functionToolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const names: string[] = [];
  for (const t of tools) {
    if (t?.type !== "function") continue;
    const name = t.function?.name ?? t.name;
    if (typeof name === "string") names.push(name);
  }
  return names;
}

/** Messages `tools`: client tools have no `type` (or "custom"); server tools (web_search_…) are skipped. */
export function messagesToolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  return tools.filter((t) => (t?.type === undefined || t.type === "custom") && typeof t?.name === "string").map((t) => t.name as string);
}

/** The text of the last chat `role: "tool"` message, or undefined when there is none. */
export function lastChatToolResult(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  const m = messages.findLast((x) => x?.role === "tool");
  return m === undefined ? undefined : partsText(m.content);
}

/** The text of the last `tool_result` block (string content or text blocks), or undefined. */
export function lastMessagesToolResult(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const content = messages[i]?.content;
    if (!Array.isArray(content)) continue;
    const block = content.findLast((b: any) => b?.type === "tool_result");
    if (block !== undefined) return partsText(block.content);
  }
  return undefined;
}

/** The `output` of the last Responses `function_call_output` item, or undefined. */
export function lastResponsesToolOutput(input: unknown): string | undefined {
  if (!Array.isArray(input)) return undefined;
  const item = input.findLast((x) => x?.type === "function_call_output");
  return item === undefined ? undefined : partsText(item.output);
}
