// The model-bearing POST endpoints: model check, then faults in the order a real failure
// would show them (slow start, hang, error status), then the answer, streamed or not.

import { countWords, planAnswer } from "./answer-plan.ts";
import type { AnswerPlan } from "./answer-plan.ts";
import { chatCompletion, chatFrames } from "./chat-answer.ts";
import { errorIn, type ErrorShape } from "./error-body.ts";
import { parseModel, type Faults } from "./faults.ts";
import type { FlavourQuirks } from "./flavour.ts";
import { frameStream, sleep, sseResponse, truncatedBody, type Frame } from "./frame-stream.ts";
import { embeddings, promptText, textCompletion, textCompletionFrames } from "./legacy-answer.ts";
import { messagesFrames, messagesObject } from "./messages-answer.ts";
import {
  functionToolNames,
  lastChatToolResult,
  lastChatUserText,
  lastMessagesToolResult,
  lastMessagesUserText,
  lastResponsesToolOutput,
  lastResponsesUserText,
  messagesToolNames,
} from "./request-parts.ts";
import { responsesFrames, responsesObject } from "./responses-answer.ts";

export type ApiKind = "chat" | "completions" | "embeddings" | "responses" | "messages";

export interface Exchange {
  body: any;
  signal: AbortSignal;
  models: string[];
  quirks: FlavourQuirks;
  tokenDelayMs: number;
  /** The body errors are answered in: the flavour's, or Anthropic's on /v1/messages. */
  errorShape: ErrorShape;
  end(how: "completed" | "dropped"): void;
  cancelled(): void;
}

interface Answer {
  full: unknown;
  frames: Frame[];
}

function build(kind: Exclude<ApiKind, "embeddings">, ex: Exchange, faults: Faults): Answer {
  const b = ex.body;
  const model: string = b.model;
  const includeUsage = b.stream_options?.include_usage === true;
  if (kind === "chat") {
    const plan = planAnswer({
      userText: lastChatUserText(b.messages),
      promptTokens: countWords(b.messages),
      toolNames: functionToolNames(b.tools),
      toolResult: lastChatToolResult(b.messages),
      faults,
    });
    const ctx = { quirks: ex.quirks, model, plan, includeUsage };
    return { full: chatCompletion(ctx), frames: chatFrames(ctx) };
  }
  if (kind === "completions") {
    const plain: Faults = { tokens: faults.tokens };
    const plan: AnswerPlan = planAnswer({ userText: promptText(b.prompt), promptTokens: countWords(b.prompt), toolNames: [], faults: plain });
    return { full: textCompletion(model, plan, ex.quirks), frames: textCompletionFrames(model, plan, includeUsage) };
  }
  if (kind === "messages") {
    const plan = planAnswer({
      userText: lastMessagesUserText(b.messages),
      promptTokens: messagesPromptTokens(b),
      toolNames: messagesToolNames(b.tools),
      toolResult: lastMessagesToolResult(b.messages),
      faults,
    });
    return { full: messagesObject(model, plan), frames: messagesFrames(model, plan) };
  }
  const plan = planAnswer({
    userText: lastResponsesUserText(b.input),
    promptTokens: countWords([b.instructions, b.input]),
    toolNames: functionToolNames(b.tools),
    toolResult: lastResponsesToolOutput(b.input),
    faults,
  });
  return { full: responsesObject(model, plan), frames: responsesFrames(model, plan) };
}

/** What a Messages answer reports as input_tokens, and what /v1/messages/count_tokens counts. */
export function messagesPromptTokens(body: any): number {
  return countWords([body?.system, body?.messages]);
}

function modelNotFound(shape: ErrorShape, model: string): Response {
  // Anthropic's own wording for an unknown model.
  if (shape === "anthropic") return errorIn(shape, 404, `model: ${model}`);
  return errorIn(shape, 404, `The model \`${model}\` does not exist or you do not have access to it.`, { code: "model_not_found", param: "model" });
}

/** Never answers; settles only when the client goes away (the response is then discarded). */
function untilAbort(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

export async function answerModelRequest(kind: ApiKind, ex: Exchange): Promise<Response> {
  const shape = ex.errorShape;
  if (ex.body === null || typeof ex.body !== "object") return errorIn(shape, 400, "We could not parse the JSON body of your request.");
  const model = ex.body.model;
  if (typeof model !== "string" || model === "") return errorIn(shape, 400, "you must provide a model parameter", { param: "model" });
  const { base, faults, hasMarker } = parseModel(model);
  if (!hasMarker && !ex.models.includes(base)) return modelNotFound(shape, model);

  await sleep(faults.slowFirstMs ?? 0, ex.signal);
  if (faults.hang) await untilAbort(ex.signal);
  if (ex.signal.aborted) return new Response(null, { status: 499 });
  if (faults.errorStatus !== undefined) {
    const headers: Record<string, string> = faults.retryAfter ? { "retry-after": faults.retryAfter } : {};
    ex.end("completed");
    return errorIn(shape, faults.errorStatus, `mock upstream: injected error ${faults.errorStatus}`, { headers });
  }
  if (kind === "embeddings") {
    ex.end("completed");
    return Response.json(embeddings(ex.body));
  }

  const answer = build(kind, ex, faults);
  if (ex.body.stream === true) {
    const stream = frameStream(answer.frames, {
      stallAfterRoleMs: faults.stallAfterRoleMs,
      dropAfter: faults.dropAfter,
      tokenDelayMs: ex.tokenDelayMs,
      signal: ex.signal,
      onEnd: ex.end,
      onCancel: ex.cancelled,
    });
    return sseResponse(stream);
  }
  await sleep(faults.stallAfterRoleMs ?? 0, ex.signal);
  const text = JSON.stringify(answer.full);
  if (faults.dropAfter !== undefined) {
    return new Response(truncatedBody(text, ex.end), { headers: { "content-type": "application/json" } });
  }
  ex.end("completed");
  return new Response(text, { headers: { "content-type": "application/json" } });
}
