// Which answers get their text tool calls repaired: those a target served on the chat wire
// (passed through to a chat client, or about to be translated to Responses or Messages),
// when the request offered tools and did not forbid them, and the target's format is not
// "off" (per model in model_info, else per upstream; "auto" locally, "off" in the cloud).
import type { Exchange } from "../exchange.ts";
import type { Served } from "../../router/attempt.ts";
import type { ChatCompletion } from "../../protocol/chat.ts";
import { ChatToolTextRepair, offeredTools, repairCompletion } from "../../protocol/tool-text/chat-repair.ts";
import type { ScanOptions } from "../../protocol/tool-text/format.ts";
import type { Stage } from "../../relay/stream.ts";
import { toolTextStage } from "../../relay/tool-text.ts";

function scanOptions(x: Exchange, s: Served): ScanOptions | null {
  if (s.prepared.wire !== "chat") return null;
  const up = s.upstream.config;
  const format = up.modelInfo.get(s.target.model)?.toolCallFormat ?? up.toolCallFormat;
  if (format === "off") return null;
  const chat = s.prepared.translation?.chat ?? (x.body as { tools?: unknown; tool_choice?: unknown });
  if (chat.tool_choice === "none") return null;
  const tools = offeredTools(chat.tools);
  return tools.length ? { format, tools } : null;
}

function counted(x: Exchange, s: Served, format: string): (calls: number) => void {
  return (calls) => x.gw.metrics.toolCallsRepaired.inc({ upstream: s.upstream.config.name, format }, calls);
}

/** The stream stage, or null when nothing is to be repaired. */
export function toolRepairStage(x: Exchange, s: Served): Stage | null {
  const o = scanOptions(x, s);
  return o ? toolTextStage(new ChatToolTextRepair(o), counted(x, s, o.format)) : null;
}

/** A whole chat completion's text calls made real; the same text when there were none. */
export function repairWhole(x: Exchange, s: Served, text: string): string {
  const o = scanOptions(x, s);
  if (!o || s.status !== 200) return text;
  let completion: ChatCompletion;
  try {
    completion = JSON.parse(text);
  } catch {
    return text; // not JSON: whoever reads it next says so
  }
  if (!completion || !Array.isArray(completion.choices)) return text;
  const r = repairCompletion(completion, o);
  if (r.calls === 0) return text;
  counted(x, s, o.format)(r.calls);
  return JSON.stringify(r.completion);
}
