// Responses tools → chat function tools. Chat upstreams can only run functions the client
// executes itself, so hosted tools (OpenAI runs them server-side) are dropped with a warning.
import type { ChatFunctionTool, ChatToolChoice } from "../chat.ts";
import type { CustomTool, FunctionTool, NamespaceTool, RequestTool, RequestToolChoice } from "../responses.ts";
import { addToolName, chatNameFor, type ToolNameMap } from "./tool-names.ts";

/** Freeform text becomes the one string argument of a function; mapped back to `custom_tool_call`. */
const CUSTOM_PARAMETERS = {
  type: "object",
  properties: { input: { type: "string", description: "The raw input for this tool, exactly as it should receive it." } },
  required: ["input"],
  additionalProperties: false,
};

function functionTool(t: FunctionTool, map: ToolNameMap, namespace?: string): ChatFunctionTool {
  const name = addToolName(map, { name: t.name, namespace, kind: "function" });
  const fn: ChatFunctionTool["function"] = { name };
  if (t.description) fn.description = t.description;
  fn.parameters = t.parameters ?? { type: "object", properties: {} };
  if (typeof t.strict === "boolean") fn.strict = t.strict;
  return { type: "function", function: fn };
}

function customTool(t: CustomTool, map: ToolNameMap, namespace?: string): ChatFunctionTool {
  const name = addToolName(map, { name: t.name, namespace, kind: "custom" });
  // The grammar (lark/regex) cannot be enforced by a chat upstream; describe it instead.
  const fmt = t.format as { type?: string; syntax?: string; definition?: string } | undefined;
  let description = t.description ?? "";
  if (fmt?.type === "grammar" && fmt.definition) {
    description += `\n\nThe input must match this ${fmt.syntax ?? ""} grammar:\n${fmt.definition}`;
  }
  return { type: "function", function: { name, description: description.trim(), parameters: CUSTOM_PARAMETERS } };
}

function one(t: RequestTool, map: ToolNameMap, warnings: string[], namespace?: string): ChatFunctionTool[] {
  switch (t.type) {
    case "function":
      return [functionTool(t as FunctionTool, map, namespace)];
    case "custom":
      return [customTool(t as CustomTool, map, namespace)];
    case "namespace":
      if (namespace) break; // nesting is not part of the API; do not guess
      return (t as NamespaceTool).tools.flatMap((inner) => one(inner as RequestTool, map, warnings, (t as NamespaceTool).name));
  }
  warnings.push(`tool "${t.type}" was dropped: a chat completions upstream cannot run it`);
  return [];
}

export function translateTools(tools: RequestTool[] | undefined, warnings: string[]): { tools: ChatFunctionTool[]; toolNames: ToolNameMap } {
  const toolNames: ToolNameMap = {};
  const out = (tools ?? []).flatMap((t) => one(t, toolNames, warnings));
  return { tools: out, toolNames };
}

export function translateToolChoice(choice: RequestToolChoice | undefined, toolNames: ToolNameMap, warnings: string[]): ChatToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (typeof choice === "string") {
    if (choice === "none" || choice === "auto" || choice === "required") return choice;
    warnings.push(`tool_choice "${choice}" is unknown; using "auto"`);
    return "auto";
  }
  if ((choice.type === "function" || choice.type === "custom") && choice.name) {
    const ns = (choice as { namespace?: string }).namespace;
    const name = chatNameFor(toolNames, choice.name, ns);
    if (Object.hasOwn(toolNames, name)) return { type: "function", function: { name } };
    warnings.push(`tool_choice names "${choice.name}", which is not among the tools sent; using "auto"`);
    return "auto";
  }
  warnings.push(`tool_choice of type "${choice.type}" has no chat equivalent; using "auto"`);
  return "auto";
}
