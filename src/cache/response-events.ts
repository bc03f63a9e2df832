// A non-stream Responses object replayed as the streaming event sequence (Responses API
// streaming reference): created, in_progress, per output item added → part/delta/done →
// item done, then completed; sequence_number counts from 0 across the whole stream.

import { splitText } from "./assemble.ts";

type Obj = Record<string, any>;

export function responseToEvents(final: Obj): Obj[] {
  const out: Obj[] = [];
  const emit = (type: string, fields: Obj) => out.push({ type, sequence_number: out.length, ...fields });
  const pending = { ...final, status: "in_progress", output: [], usage: null };
  emit("response.created", { response: pending });
  emit("response.in_progress", { response: pending });
  const output: Obj[] = Array.isArray(final.output) ? final.output : [];
  output.forEach((item, output_index) => {
    emit("response.output_item.added", { output_index, item: openedItem(item) });
    if (item.type === "message") messageEvents(item, output_index, emit);
    else if (item.type === "function_call") {
      for (const delta of splitText(item.arguments ?? "", 2)) {
        emit("response.function_call_arguments.delta", { item_id: item.id, output_index, delta });
      }
      emit("response.function_call_arguments.done", { item_id: item.id, output_index, arguments: item.arguments ?? "" });
    }
    emit("response.output_item.done", { output_index, item });
  });
  const terminal = final.status === "incomplete" ? "response.incomplete" : final.status === "failed" ? "response.failed" : "response.completed";
  emit(terminal, { response: final });
  return out;
}

// The item as first announced: in progress, with its text or arguments still empty.
function openedItem(item: Obj): Obj {
  if (item.type === "message") return { ...item, status: "in_progress", content: [] };
  if (item.type === "function_call") return { ...item, status: "in_progress", arguments: "" };
  return item;
}

function messageEvents(item: Obj, output_index: number, emit: (type: string, fields: Obj) => void): void {
  const parts: Obj[] = Array.isArray(item.content) ? item.content : [];
  parts.forEach((part, content_index) => {
    const at = { item_id: item.id, output_index, content_index };
    if (part.type !== "output_text") {
      emit("response.content_part.added", { ...at, part });
      emit("response.content_part.done", { ...at, part });
      return;
    }
    emit("response.content_part.added", { ...at, part: { ...part, text: "", annotations: [] } });
    for (const delta of splitText(part.text ?? "")) emit("response.output_text.delta", { ...at, delta });
    emit("response.output_text.done", { ...at, text: part.text ?? "" });
    emit("response.content_part.done", { ...at, part });
  });
}
