// An Anthropic Messages upstream that scripts one Bash round trip for a real Claude Code CLI:
// the first turn answers with a `tool_use` of Bash running `command`; once the request carries
// a `tool_result` it answers `Result: <that text>`. Streamed as Anthropic streams (event lines,
// input only as input_json_delta: Claude ignores content_block_start.input), and whole for
// Claude's non-streaming fallback. The shared mock calls tools with weather arguments on every turn.

import { recordRequest } from "../mock/record-request.ts";
import { lastMessagesToolResult } from "../mock/request-parts.ts";
import type { RecordedRequest } from "../mock/upstream.ts";
import { startToolScriptUpstream, type ToolScriptUpstream } from "../codex/tool-script-upstream.ts";

export interface ToolScriptMessages {
  /** The host root, without /v1: what ANTHROPIC_BASE_URL takes. */
  url: string;
  requests: RecordedRequest[];
  /** The id of the tool_use the first turn made. */
  toolUseId: string;
  stop(): Promise<void>;
}

type Block = Record<string, unknown>;

/** What the script says once the tool's output is back. */
export const resultText = (toolText: string) => `Result: ${toolText}`;

/**
 * The same Bash round trip from a chat-only upstream (for runs through the gateway's
 * translation): model "m", Claude's Bash tool running `echo hi`, the same closing text.
 * `asText`: the call comes as Qwen3-Coder XML text the gateway must repair.
 */
export function startBashChatScript(o: { asText?: boolean } = {}): Promise<ToolScriptUpstream> {
  return startToolScriptUpstream({
    model: "m",
    command: "echo hi",
    tool: { name: "Bash", arguments: { command: "echo hi", description: "say hi" } },
    replyPrefix: resultText(""),
    asText: o.asText,
  });
}

/** Splits JSON text at a few points, so the client has to join fragments. */
function fragments(json: string): string[] {
  const third = Math.ceil(json.length / 3);
  return [json.slice(0, third), json.slice(third, 2 * third), json.slice(2 * third)];
}

function sse(model: string, block: Block, stopReason: string): string {
  const frame = (type: string, fields: Block = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
  const usage = { input_tokens: 10, output_tokens: 1 };
  const message = {
    id: `msg_script_${crypto.randomUUID()}`,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage,
  };
  let out = frame("message_start", { message }) + frame("ping");
  if (block.type === "tool_use") {
    out += frame("content_block_start", { index: 0, content_block: { ...block, input: {} } });
    out += frame("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json: "" } });
    for (const partial_json of fragments(JSON.stringify(block.input))) {
      out += frame("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json } });
    }
  } else {
    out += frame("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
    out += frame("content_block_delta", { index: 0, delta: { type: "text_delta", text: block.text } });
  }
  out += frame("content_block_stop", { index: 0 });
  out += frame("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: 5 } });
  return out + frame("message_stop");
}

export async function startToolScriptMessages(opts: { model: string; command: string; description?: string }): Promise<ToolScriptMessages> {
  const requests: RecordedRequest[] = [];
  const toolUseId = `toolu_script_${crypto.randomUUID().replaceAll("-", "")}`;
  const input = { command: opts.command, description: opts.description ?? "say hi" };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const { path, body } = await recordRequest(req, requests);
      if (req.method === "GET" && path === "/v1/models") {
        // For runs with CLAUDE_CODE_ENABLE_GATEWAY_MODEL_DISCOVERY=1 (Anthropic's list shape).
        const created_at = "2026-01-01T00:00:00Z";
        return Response.json({
          data: [{ type: "model", id: opts.model, display_name: opts.model, created_at }],
          has_more: false,
          first_id: opts.model,
          last_id: opts.model,
        });
      }
      if (req.method !== "POST" || path !== "/v1/messages" || body === null) {
        return Response.json({ type: "error", error: { type: "not_found_error", message: "Not Found" } }, { status: 404 });
      }
      const toolText = lastMessagesToolResult(body.messages);
      const block: Block =
        toolText === undefined ? { type: "tool_use", id: toolUseId, name: "Bash", input } : { type: "text", text: resultText(toolText) };
      const stopReason = toolText === undefined ? "tool_use" : "end_turn";
      if (body.stream !== true) {
        const usage = { input_tokens: 10, output_tokens: 5 };
        return Response.json({
          id: `msg_script_${crypto.randomUUID()}`,
          type: "message",
          role: "assistant",
          model: body.model,
          content: [block],
          stop_reason: stopReason,
          stop_sequence: null,
          usage,
        });
      }
      return new Response(sse(body.model, block, stopReason), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    toolUseId,
    async stop() {
      server.stop(true);
    },
  };
}
