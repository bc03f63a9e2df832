// Chat usage → Responses usage. The names differ; the numbers mean the same thing.
import type { ChatUsage } from "../chat.ts";
import type { ResponseUsage } from "../responses.ts";

/** A token count as servers report it: a whole number, 0 for anything missing or odd. */
export const count = (n: number | null | undefined): number => (typeof n === "number" && n > 0 ? Math.floor(n) : 0);

export function toResponsesUsage(u: ChatUsage): ResponseUsage {
  const input = count(u.prompt_tokens);
  const output = count(u.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: count(u.prompt_tokens_details?.cached_tokens) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: count(u.completion_tokens_details?.reasoning_tokens) },
    // Some servers omit total_tokens; it is defined as the sum.
    total_tokens: typeof u.total_tokens === "number" ? count(u.total_tokens) : input + output,
  };
}
