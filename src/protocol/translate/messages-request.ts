// An Anthropic Messages request → the chat completions request that asks the same thing,
// for a local server that speaks only chat.
//
// Accepted and not forwarded, without a warning: `thinking`, `context_management`,
// `metadata`, `cache_control` (anywhere) and `output_config` (unless the upstream takes
// `reasoning_effort`). Claude Code sends all of them on every request and chat has no
// equivalent, so a warning line for each would be noise. `metadata.user_id` in particular
// is a device/account/session id: it is not the chat `user` a cloud fallback should see.
//
// `top_k` is dropped with a warning: llama.cpp and vLLM would take it, but OpenAI answers an
// unknown parameter with a 400, and the same chat request may go to a cloud fallback.
import type { ChatRequest } from "../chat.ts";
import type { MessagesRequest } from "../messages.ts";
import { translateHistory } from "./messages-history.ts";
import { translateMessagesToolChoice, translateMessagesTools } from "./messages-tools.ts";
import type { RequestTranslation } from "./request.ts";

export { isBillingHeader } from "./messages-history.ts";

export interface MessagesToChatOptions {
  /** The most the target takes; Claude Code asks for 32000–128000. */
  maxTokens?: number;
  /** Map `output_config.effort` to `reasoning_effort` (only for upstreams known to accept it). */
  acceptsReasoningEffort?: boolean;
}

// Anthropic's effort levels; chat's top one is "high".
const EFFORT: Record<string, string> = { low: "low", medium: "medium", high: "high", max: "high" };

function maxTokens(requested: unknown, cap: number | undefined): number | undefined {
  const asked = typeof requested === "number" && requested > 0 ? Math.floor(requested) : undefined;
  if (cap === undefined || cap <= 0) return asked;
  return asked === undefined ? undefined : Math.min(asked, cap);
}

function copySampling(req: MessagesRequest, chat: ChatRequest, opts: MessagesToChatOptions, warnings: string[]): void {
  const max = maxTokens(req.max_tokens, opts.maxTokens);
  if (max !== undefined) chat.max_tokens = max;
  if (typeof req.temperature === "number") chat.temperature = req.temperature;
  if (typeof req.top_p === "number") chat.top_p = req.top_p;
  if (Array.isArray(req.stop_sequences) && req.stop_sequences.length > 0) chat.stop = req.stop_sequences;
  if (req.top_k !== undefined) warnings.push("top_k was dropped: chat completions has no such parameter");
  const effort = req.output_config?.effort;
  if (opts.acceptsReasoningEffort && typeof effort === "string" && Object.hasOwn(EFFORT, effort)) chat.reasoning_effort = EFFORT[effort];
}

export function messagesToChat(req: MessagesRequest, opts: MessagesToChatOptions = {}): RequestTranslation {
  const warnings: string[] = [];
  const { tools, toolNames } = translateMessagesTools(req.tools, warnings);
  const chat: ChatRequest = { model: req.model, messages: translateHistory(req, toolNames, warnings) };
  if (tools.length > 0) {
    chat.tools = tools;
    Object.assign(chat, translateMessagesToolChoice(req.tool_choice, toolNames, warnings));
  } else if (req.tool_choice && req.tool_choice.type !== "auto" && req.tool_choice.type !== "none") {
    // Harmless without tools when auto/none; anything stronger would make the upstream reject it.
    warnings.push("tool_choice was dropped: no tool survived translation");
  }
  copySampling(req, chat, opts, warnings);
  if (typeof req.stream === "boolean") chat.stream = req.stream;
  // Without this a chat stream carries no token counts, and message_delta would lack usage.
  if (req.stream) chat.stream_options = { include_usage: true };
  // A long history repeats the same dropped block on every turn: one line per kind is enough.
  return { chat, warnings: [...new Set(warnings)], toolNames };
}
