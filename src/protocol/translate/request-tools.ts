// Responses tools → chat function tools. Chat upstreams can only run functions the client
// executes itself, so hosted tools (OpenAI runs them server-side) are dropped with a warning.
// The strict ResponsesRequest schema is checked first (route stage); a tool of a shape it
// would have refused (not an object, no name, a namespace without a tool list) is still
// dropped with a warning rather than thrown on.
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

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function functionTool(t: FunctionTool, map: ToolNameMap, namespace?: string): ChatFunctionTool {
  const name = addToolName(map, { name: t.name, namespace, kind: "function" });
  const fn: ChatFunctionTool["function"] = { name };
  if (typeof t.description === "string" && t.description) fn.description = t.description;
  fn.parameters = t.parameters ?? { type: "object", properties: {} };
  if (typeof t.strict === "boolean") fn.strict = t.strict;
  return { type: "function", function: fn };
}

function customTool(t: CustomTool, map: ToolNameMap, namespace?: string): ChatFunctionTool {
  const name = addToolName(map, { name: t.name, namespace, kind: "custom" });
  // The grammar (lark/regex) cannot be enforced by a chat upstream; describe it instead.
  const fmt = t.format as { type?: string; syntax?: string; definition?: string } | undefined;
  let description = typeof t.description === "string" ? t.description : "";
  if (isObj(fmt) && fmt.type === "grammar" && typeof fmt.definition === "string" && fmt.definition) {
    description += `\n\nThe input must match this ${fmt.syntax ?? ""} grammar:\n${fmt.definition}`;
  }
  return { type: "function", function: { name, description: description.trim(), parameters: CUSTOM_PARAMETERS } };
}

function one(t: RequestTool, map: ToolNameMap, warnings: string[], namespace?: string): ChatFunctionTool[] {
  if (!isObj(t)) {
    warnings.push("a tool that is not an object was dropped");
    return [];
  }
  const named = typeof (t as { name?: unknown }).name === "string";
  switch (t.type) {
    case "function":
      if (named) return [functionTool(t as FunctionTool, map, namespace)];
      break;
    case "custom":
      if (named) return [customTool(t as CustomTool, map, namespace)];
      break;
    case "namespace": {
      const ns = t as NamespaceTool;
      // Nesting is not part of the API, and a namespace without a name or a tool list is not one: do not guess.
      if (namespace || !named || !Array.isArray(ns.tools)) break;
      return ns.tools.flatMap((inner) => one(inner as RequestTool, map, warnings, ns.name));
    }
  }
  warnings.push(`tool "${String(t.type)}" was dropped: a chat completions upstream cannot run it`);
  return [];
}

export function translateTools(tools: RequestTool[] | undefined, warnings: string[]): { tools: ChatFunctionTool[]; toolNames: ToolNameMap } {
  const toolNames: ToolNameMap = {};
  const out = (Array.isArray(tools) ? tools : []).flatMap((t) => one(t, toolNames, warnings));
  return { tools: out, toolNames };
}

export function translateToolChoice(choice: RequestToolChoice | undefined, toolNames: ToolNameMap, warnings: string[]): ChatToolChoice | undefined {
  if (choice === undefined) return undefined;
  if (!isObj(choice) && typeof choice !== "string") {
    warnings.push('tool_choice is neither a string nor an object; using "auto"');
    return "auto";
  }
  if (typeof choice === "string") {
    if (choice === "none" || choice === "auto" || choice === "required") return choice;
    warnings.push(`tool_choice "${choice}" is unknown; using "auto"`);
    return "auto";
  }
  if ((choice.type === "function" || choice.type === "custom") && typeof choice.name === "string" && choice.name) {
    const raw = (choice as { namespace?: unknown }).namespace;
    const ns = typeof raw === "string" ? raw : undefined;
    const name = chatNameFor(toolNames, choice.name, ns);
    if (Object.hasOwn(toolNames, name)) return { type: "function", function: { name } };
    warnings.push(`tool_choice names "${choice.name}", which is not among the tools sent; using "auto"`);
    return "auto";
  }
  warnings.push(`tool_choice of type "${String(choice.type)}" has no chat equivalent; using "auto"`);
  return "auto";
}
