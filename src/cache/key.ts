// The exact cache key: which request fields decide the answer, and which are noise.
// Both lists are exported and a test checks they are disjoint and cover every field the
// protocol schemas know. A field in neither list (a vendor extension, a field newer than
// this file) is INCLUDED: hashing it can only cost a hit, while dropping a field that
// changes the answer would serve a wrong one.

import { canonicalValue, hashParts } from "./canonical.ts";

export type Api = "chat" | "responses" | "completions" | "embeddings";

/** Bump when the canonical form changes, so old rows simply stop matching. */
export const KEY_VERSION = "wf-cache-v1";

// Fields that change what the model answers (or its shape). `model` is not here: the caller
// passes the resolved route instead, so two aliases for one target share entries and one
// alias re-pointed to a new target does not.
export const INCLUDED_FIELDS: Record<Api, readonly string[]> = {
  chat: [
    "messages", "tools", "tool_choice", "parallel_tool_calls", "functions", "function_call",
    "temperature", "top_p", "n", "seed", "max_tokens", "max_completion_tokens", "stop",
    "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
    "response_format", "reasoning_effort", "verbosity", "modalities", "audio", "prediction",
    "web_search_options",
  ],
  responses: [
    "input", "instructions", "tools", "tool_choice", "parallel_tool_calls", "max_tool_calls",
    "temperature", "top_p", "top_logprobs", "seed", "max_output_tokens", "stop", "reasoning", "text",
    "truncation", "previous_response_id", "conversation", "prompt", "background",
    // `include` decides what the answer carries (e.g. reasoning.encrypted_content, logprobs):
    // an entry recorded without it would replay an answer missing what was asked for. Codex
    // sends the same list every turn, so keeping it costs no hits there.
    "include",
  ],
  completions: [
    "prompt", "suffix", "temperature", "top_p", "n", "seed", "max_tokens", "stop", "echo",
    "logprobs", "best_of", "logit_bias", "presence_penalty", "frequency_penalty",
  ],
  embeddings: ["input", "encoding_format", "dimensions"],
};

// Fields that never change the answer. Each one, with why.
const TRANSPORT_AND_IDENTITY = [
  "model", // replaced by the resolved route (see above)
  "stream", // a stream and a final object replay from the same entry (replay.ts)
  "stream_options", // only include_usage: replay adds or drops the usage chunk per request
  "user", // end-user id for abuse tracking; per-user, not per-answer
  "safety_identifier", // the newer name of `user`
  "metadata", // caller's tags, echoed back, never seen by the model
  "store", // whether the upstream keeps the answer, not what it is
  "service_tier", // latency/price class of the same model
  "request_id", // per-request id some clients add
] as const;

export const EXCLUDED_FIELDS: Record<Api, readonly string[]> = {
  chat: [...TRANSPORT_AND_IDENTITY, "prompt_cache_key"], // prompt_cache_key: upstream cache-routing hint
  responses: [
    ...TRANSPORT_AND_IDENTITY,
    "prompt_cache_key", // Codex sets it to the session id: including it means no cross-session hit
    "prompt_cache_retention", // how long the upstream keeps its prefix cache
    "client_metadata", // Codex: session/turn ids and timestamps, new every turn
  ],
  completions: ["model", "stream", "stream_options", "user", "request_id"],
  embeddings: ["model", "user", "request_id"], // same reasons as above
};

// Inside Responses `input`, each item may carry an `id`: Codex stamps msg_<uuid>/fco_<uuid>
// per session, and echoes upstream item ids (fc_…). They name the item, not its meaning.
// `call_id` is different: it links a function_call_output to its call, so it stays.
const ITEM_ID_FIELD = "id";

const excludedSets = Object.fromEntries(
  Object.entries(EXCLUDED_FIELDS).map(([api, list]) => [api, new Set(list)]),
) as Record<Api, Set<string>>;

/** The request body with excluded fields removed, ready to hash (not yet canonical). */
export function semanticBody(api: Api, body: Record<string, unknown>): Record<string, unknown> {
  const excluded = excludedSets[api];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (excluded.has(k)) continue;
    out[k] = k === "input" && api === "responses" ? stripItemIds(v) : v;
  }
  return out;
}

function stripItemIds(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((item) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const { [ITEM_ID_FIELD]: _id, ...rest } = item as Record<string, unknown>;
    return rest;
  });
}

export interface KeyInput {
  api: Api;
  /** The resolved alias or upstream/model, never the raw client model name. */
  route: string;
  /** Tenant: entries never cross namespaces. */
  namespace: string;
  body: Record<string, unknown>;
}

export function cacheKey(input: KeyInput): string {
  const body = canonicalValue(semanticBody(input.api, input.body));
  return hashParts([KEY_VERSION, input.api, input.route, input.namespace, body]);
}
