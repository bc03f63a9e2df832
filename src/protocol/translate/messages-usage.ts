// Chat usage → Anthropic usage. Anthropic reports cached prompt tokens apart from the rest
// (input_tokens excludes them; Claude Code adds the three up for its context meter).
import type { ChatUsage } from "../chat.ts";
import type { MessageUsage } from "../messages.ts";

import { count } from "./usage.ts";

/** A local server never reports cache writes, so cache_creation_input_tokens is 0. */
export function toMessagesUsage(u: ChatUsage): MessageUsage {
  const prompt = count(u.prompt_tokens);
  const cached = Math.min(count(u.prompt_tokens_details?.cached_tokens), prompt);
  return {
    input_tokens: prompt - cached,
    output_tokens: count(u.completion_tokens),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}
