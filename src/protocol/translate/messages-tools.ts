// Anthropic tools → chat function tools, and tool_choice → its chat equivalent.
//
// Decisions:
// - Server tools (a `type` such as "web_search_20250305": Anthropic runs them) are dropped
//   with a warning: a chat upstream can only ask the client to run functions.
// - `defer_loading: true` tools are offered like any other. Chat has no lazy loading, so a
//   deferred tool is either offered now or never callable. Claude Code marks only its
//   `DeferredToolPlaceholder` so (it keeps Anthropic's tool search on; its description tells
//   the model never to call it): offering it costs a few tokens, dropping a real deferred
//   tool would cost the tool.
// - A top-level `$schema` is removed from each input_schema: Claude Code sends JSON Schema
//   2020-12 with `$schema`, and some servers' grammar compilers refuse the keyword or the
//   draft. Nothing else in the schema is touched.
import type { ChatFunctionTool, ChatRequest } from "../chat.ts";
import type { ClientTool, MessagesTool, MessagesToolChoice } from "../messages.ts";
import { addToolName, chatNameFor, type ToolNameMap } from "./tool-names.ts";

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function parameters(schema: unknown): unknown {
  if (!isObj(schema)) return { type: "object", properties: {} };
  const { $schema: _dropped, ...rest } = schema;
  return rest;
}

function clientTool(t: ClientTool, map: ToolNameMap): ChatFunctionTool {
  const name = addToolName(map, { name: t.name, kind: "function" });
  const fn: ChatFunctionTool["function"] = { name };
  if (typeof t.description === "string" && t.description) fn.description = t.description;
  fn.parameters = parameters(t.input_schema);
  return { type: "function", function: fn };
}

export function translateMessagesTools(tools: MessagesTool[] | undefined, warnings: string[]): { tools: ChatFunctionTool[]; toolNames: ToolNameMap } {
  const toolNames: ToolNameMap = {};
  const out: ChatFunctionTool[] = [];
  for (const t of Array.isArray(tools) ? tools : []) {
    const type = isObj(t) ? t.type : undefined;
    if (isObj(t) && (type === undefined || type === "custom") && typeof t.name === "string") out.push(clientTool(t as ClientTool, toolNames));
    else warnings.push(`tool "${String(type ?? (isObj(t) ? t.name : t))}" was dropped: a chat completions upstream cannot run it`);
  }
  return { tools: out, toolNames };
}

type ChoiceFields = Pick<ChatRequest, "tool_choice" | "parallel_tool_calls">;

/** Only called when at least one tool survived; `any` is chat's "required". */
export function translateMessagesToolChoice(choice: MessagesToolChoice | undefined, toolNames: ToolNameMap, warnings: string[]): ChoiceFields {
  const out: ChoiceFields = {};
  if (!isObj(choice)) return out;
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  switch (choice.type) {
    case "auto":
    case "none":
      out.tool_choice = choice.type;
      return out;
    case "any":
      out.tool_choice = "required";
      return out;
    case "tool": {
      const name = typeof choice.name === "string" ? chatNameFor(toolNames, choice.name) : "";
      if (name && Object.hasOwn(toolNames, name)) out.tool_choice = { type: "function", function: { name } };
      else {
        warnings.push(`tool_choice names "${String(choice.name)}", which is not among the tools sent; using "auto"`);
        out.tool_choice = "auto";
      }
      return out;
    }
  }
  warnings.push(`tool_choice of type "${String((choice as { type?: unknown }).type)}" is unknown; using "auto"`);
  out.tool_choice = "auto";
  return out;
}
