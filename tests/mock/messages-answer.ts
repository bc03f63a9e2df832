// Anthropic Messages answers: the Message object and its event stream, in the order and shape
// Anthropic streams them (docs.anthropic.com/en/docs/build-with-claude/streaming, and the
// recorded Claude Code fixtures in shared/fixtures/claude-code beside the project). Claude Code
// needs the `event:` lines: data-only frames count as "no events" to it.

import type { AnswerPlan } from "./answer-plan.ts";
import { completionTokens } from "./answer-plan.ts";
import type { Frame } from "./frame-stream.ts";
import { randomId } from "./flavour.ts";

type Block = Record<string, unknown>;

/** A fixed, opaque signature: clients send it back verbatim with the thinking block. */
export const MOCK_SIGNATURE = "bW9jay1zaWduYXR1cmU=";

function toolUseId(callId: string): string {
  return `toolu_${callId.replace(/^call_/, "")}`;
}

function stopReason(plan: AnswerPlan): "end_turn" | "tool_use" {
  return plan.toolCalls.length > 0 ? "tool_use" : "end_turn";
}

/** Blocks in answer order: thinking, then text (unless it is a pure tool turn), then tool_use. */
function contentBlocks(plan: AnswerPlan): Block[] {
  const blocks: Block[] = [];
  if (plan.reasoning.length > 0) blocks.push({ type: "thinking", thinking: plan.reasoning.join(""), signature: MOCK_SIGNATURE });
  if (plan.toolCalls.length === 0 || plan.content.length > 0) blocks.push({ type: "text", text: plan.content.join("") });
  for (const c of plan.toolCalls) {
    blocks.push({ type: "tool_use", id: toolUseId(c.id), name: c.name, input: JSON.parse(c.fragments.join("")) });
  }
  return blocks;
}

function message(model: string, id: string, plan: AnswerPlan, content: Block[], done: boolean): Block {
  return {
    id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: done ? stopReason(plan) : null,
    stop_sequence: null,
    // Anthropic's message_start reports one output token so far.
    usage: { input_tokens: plan.promptTokens, output_tokens: done ? completionTokens(plan) : 1 },
  };
}

const messageId = () => `msg_${randomId(24)}`;

export function messagesObject(model: string, plan: AnswerPlan): Block {
  return message(model, messageId(), plan, contentBlocks(plan), true);
}

export function messagesFrames(model: string, plan: AnswerPlan): Frame[] {
  const frames: Frame[] = [];
  const emit = (type: string, fields: Block = {}, content = false) =>
    frames.push({ event: type, data: JSON.stringify({ type, ...fields }), content });
  const delta = (index: number, d: Block) => emit("content_block_delta", { index, delta: d }, true);

  emit("message_start", { message: message(model, messageId(), plan, [], false) });
  emit("ping");
  let index = 0;
  for (const block of contentBlocks(plan)) {
    if (block.type === "thinking") {
      emit("content_block_start", { index, content_block: { type: "thinking", thinking: "", signature: "" } });
      for (const thinking of plan.reasoning) delta(index, { type: "thinking_delta", thinking });
      emit("content_block_delta", { index, delta: { type: "signature_delta", signature: MOCK_SIGNATURE } });
    } else if (block.type === "text") {
      emit("content_block_start", { index, content_block: { type: "text", text: "" } });
      for (const text of plan.content) delta(index, { type: "text_delta", text });
    } else {
      const call = plan.toolCalls.find((c) => toolUseId(c.id) === block.id)!;
      // Input only ever arrives as input_json_delta: Claude Code ignores content_block_start.input.
      emit("content_block_start", { index, content_block: { ...block, input: {} } });
      emit("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: "" } });
      for (const partial_json of call.fragments) delta(index, { type: "input_json_delta", partial_json });
    }
    emit("content_block_stop", { index });
    index++;
  }
  const usage = { output_tokens: completionTokens(plan) };
  emit("message_delta", { delta: { stop_reason: stopReason(plan), stop_sequence: null }, usage });
  emit("message_stop");
  return frames;
}
