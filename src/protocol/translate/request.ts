// A Responses request → the chat completions request that asks the same thing.
// Not forwarded, because a chat upstream has no such concept: store, include,
// prompt_cache_key, client_metadata, previous_response_id (resolved before this point),
// truncation, background, metadata. `reasoning.summary` has no chat equivalent either.
import type { ChatRequest, ChatResponseFormat } from "../chat.ts";
import type { ResponsesRequest, TextFormat } from "../responses.ts";
import { translateInput } from "./request-input.ts";
import { translateToolChoice, translateTools } from "./request-tools.ts";
import type { ToolNameMap } from "./tool-names.ts";

export type { ToolNameMap, ToolTarget } from "./tool-names.ts";

export interface RequestTranslation {
  chat: ChatRequest;
  /** One human-readable line per thing that could not be carried over. */
  warnings: string[];
  toolNames: ToolNameMap;
}

function responseFormat(format: TextFormat | undefined, warnings: string[]): ChatResponseFormat | undefined {
  if (!format || typeof format !== "object" || format.type === "text") return undefined;
  if (format.type === "json_object") return { type: "json_object" };
  if (format.type === "json_schema") {
    const json_schema: Extract<ChatResponseFormat, { type: "json_schema" }>["json_schema"] = {
      name: format.name ?? "response",
      schema: format.schema,
    };
    if (format.description) json_schema.description = format.description;
    if (typeof format.strict === "boolean") json_schema.strict = format.strict;
    return { type: "json_schema", json_schema };
  }
  warnings.push(`text.format "${String(format.type)}" has no chat equivalent; ignored`);
  return undefined;
}

function copySampling(req: ResponsesRequest, chat: ChatRequest): void {
  if (typeof req.max_output_tokens === "number") chat.max_tokens = req.max_output_tokens;
  if (typeof req.temperature === "number") chat.temperature = req.temperature;
  if (typeof req.top_p === "number") chat.top_p = req.top_p;
  if (req.stop !== undefined) chat.stop = req.stop;
  if (req.user !== undefined) chat.user = req.user;
}

export function responsesToChat(req: ResponsesRequest, opts: { acceptsReasoningEffort?: boolean } = {}): RequestTranslation {
  const warnings: string[] = [];
  const { tools, toolNames } = translateTools(req.tools, warnings);
  const chat: ChatRequest = {
    model: req.model,
    messages: translateInput(req.input, req.instructions, toolNames, warnings),
  };
  if (tools.length > 0) {
    chat.tools = tools;
    const choice = translateToolChoice(req.tool_choice, toolNames, warnings);
    if (choice !== undefined) chat.tool_choice = choice;
    if (typeof req.parallel_tool_calls === "boolean") chat.parallel_tool_calls = req.parallel_tool_calls;
  } else if (req.tool_choice === "none" || req.tool_choice === "auto") {
    // Harmless without tools; anything stronger would make the upstream reject the request.
  } else if (req.tool_choice !== undefined) {
    warnings.push("tool_choice was dropped: no tool survived translation");
  }
  const format = responseFormat(req.text?.format, warnings);
  if (format) chat.response_format = format;
  copySampling(req, chat);
  const effort = req.reasoning?.effort;
  if (effort && opts.acceptsReasoningEffort) chat.reasoning_effort = effort;
  if (typeof req.stream === "boolean") chat.stream = req.stream;
  // Without this, chat streams carry no token counts and response.completed would lack usage.
  if (req.stream) chat.stream_options = { include_usage: true };
  return { chat, warnings, toolNames };
}
