// A non-streamed chat completion → the Responses object. It is replayed through the same
// state machine as a one-chunk stream, so streamed and non-streamed answers cannot disagree.
import type { ChatChunk, ChatCompletion } from "../chat.ts";
import type { ResponseObject, ResponsesRequest } from "../responses.ts";
import { ChatToResponsesStream } from "./stream.ts";
import type { ToolNameMap } from "./tool-names.ts";

export interface FinalOptions {
  model: string;
  toolNames: ToolNameMap;
  responseId?: string;
  createdAt?: number;
  request?: ResponsesRequest;
  newId?: (prefix: string) => string;
}

export function completionAsChunk(completion: ChatCompletion): ChatChunk {
  const choice = completion.choices.find((c) => (c.index ?? 0) === 0);
  const m = choice?.message;
  const chunk: ChatChunk = { choices: [], usage: completion.usage ?? null };
  if (!choice || !m) return chunk;
  chunk.choices.push({
    index: 0,
    delta: {
      content: m.content ?? null,
      reasoning_content: m.reasoning_content ?? m.reasoning ?? null,
      tool_calls: (m.tool_calls ?? []).map((tc, index) => ({ index, id: tc.id, function: tc.function })),
    },
    finish_reason: choice.finish_reason ?? "stop",
  });
  return chunk;
}

export function chatCompletionToResponse(completion: ChatCompletion, opts: FinalOptions): ResponseObject {
  const stream = new ChatToResponsesStream(opts);
  stream.push(completionAsChunk(completion));
  stream.finish();
  return stream.response();
}
