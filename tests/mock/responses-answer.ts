// Responses API answers: the final Response object and its full streaming event sequence
// (same order and fields as the recorded Codex fixtures in shared/fixtures/codex beside the project).

import type { AnswerPlan } from "./answer-plan.ts";
import { completionTokens } from "./answer-plan.ts";
import type { Frame } from "./frame-stream.ts";
import { randomId } from "./flavour.ts";

type Item = Record<string, unknown>;

function outputItems(plan: AnswerPlan, ids: string[]): Item[] {
  const items: Item[] = [];
  let k = 0;
  if (plan.reasoning.length > 0) {
    items.push({ id: ids[k++], type: "reasoning", summary: [{ type: "summary_text", text: plan.reasoning.join("") }] });
  }
  if (plan.toolCalls.length === 0) {
    const text = plan.content.join("");
    items.push({
      id: ids[k++],
      type: "message",
      status: "completed",
      role: "assistant",
      content: [{ type: "output_text", text, annotations: [] }],
    });
  }
  for (const c of plan.toolCalls) {
    items.push({ id: ids[k++], type: "function_call", status: "completed", call_id: c.id, name: c.name, arguments: c.fragments.join("") });
  }
  return items;
}

function itemIds(plan: AnswerPlan): string[] {
  const ids: string[] = [];
  if (plan.reasoning.length > 0) ids.push(`rs_${randomId(24)}`);
  if (plan.toolCalls.length === 0) ids.push(`msg_${randomId(24)}`);
  for (const _ of plan.toolCalls) ids.push(`fc_${randomId(24)}`);
  return ids;
}

function responseObject(model: string, plan: AnswerPlan, id: string, status: string, output: Item[]): Item {
  const out = completionTokens(plan);
  const usage =
    status === "completed"
      ? {
          input_tokens: plan.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: out,
          output_tokens_details: { reasoning_tokens: plan.reasoning.length },
          total_tokens: plan.promptTokens + out,
        }
      : null;
  return {
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    model,
    output,
    parallel_tool_calls: true,
    tool_choice: "auto",
    tools: [],
    usage,
  };
}

export function responsesObject(model: string, plan: AnswerPlan): Item {
  return responseObject(model, plan, `resp_${randomId(24)}`, "completed", outputItems(plan, itemIds(plan)));
}

export function responsesFrames(model: string, plan: AnswerPlan): Frame[] {
  const id = `resp_${randomId(24)}`;
  const ids = itemIds(plan);
  const done = outputItems(plan, ids);
  const frames: Frame[] = [];
  let seq = 0;
  const emit = (type: string, fields: Item, content = false) =>
    frames.push({ event: type, data: JSON.stringify({ type, sequence_number: seq++, ...fields }), content });

  emit("response.created", { response: responseObject(model, plan, id, "in_progress", []) });
  emit("response.in_progress", { response: responseObject(model, plan, id, "in_progress", []) });
  done.forEach((item, output_index) => {
    const item_id = item.id;
    if (item.type === "reasoning") {
      const text = plan.reasoning.join("");
      emit("response.output_item.added", { output_index, item: { ...item, summary: [] } });
      const at = { item_id, output_index, summary_index: 0 };
      emit("response.reasoning_summary_part.added", { ...at, part: { type: "summary_text", text: "" } });
      for (const delta of plan.reasoning) emit("response.reasoning_summary_text.delta", { ...at, delta }, true);
      emit("response.reasoning_summary_text.done", { ...at, text });
      emit("response.reasoning_summary_part.done", { ...at, part: { type: "summary_text", text } });
    } else if (item.type === "message") {
      const text = plan.content.join("");
      emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", content: [] } });
      const at = { item_id, output_index, content_index: 0 };
      emit("response.content_part.added", { ...at, part: { type: "output_text", text: "", annotations: [] } });
      for (const delta of plan.content) emit("response.output_text.delta", { ...at, delta }, true);
      emit("response.output_text.done", { ...at, text });
      emit("response.content_part.done", { ...at, part: { type: "output_text", text, annotations: [] } });
    } else {
      const call = plan.toolCalls.find((c) => c.id === item.call_id)!;
      emit("response.output_item.added", { output_index, item: { ...item, status: "in_progress", arguments: "" } });
      for (const delta of call.fragments) emit("response.function_call_arguments.delta", { item_id, output_index, delta }, true);
      emit("response.function_call_arguments.done", { item_id, output_index, arguments: item.arguments });
    }
    emit("response.output_item.done", { output_index, item });
  });
  emit("response.completed", { response: responseObject(model, plan, id, "completed", done) });
  return frames;
}
