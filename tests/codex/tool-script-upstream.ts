// A chat-only upstream that scripts one tool round trip for a real Codex CLI: the first turn
// answers with a call to `exec_command` running `command`; once the request carries a `tool`
// message it answers with that message's text. The shared mock can't do this: its tool calls
// always carry weather arguments and it calls tools on every turn, so Codex would loop.

import type { RecordedRequest } from "../mock/upstream.ts";
import { recordRequest } from "../mock/record-request.ts";

export interface ToolScriptUpstream {
  /** Base URL including /v1. */
  url: string;
  requests: RecordedRequest[];
  /** The id of the tool call the first turn made. */
  callId: string;
  stop(): Promise<void>;
}

type Delta = Record<string, unknown>;

/** The text of the last `tool` message, or undefined when the request has none. */
export function lastToolText(messages: unknown): string | undefined {
  if (!Array.isArray(messages)) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m?.role !== "tool") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) return m.content.map((p: any) => (typeof p?.text === "string" ? p.text : "")).join("");
    return "";
  }
  return undefined;
}

function sseBody(model: string, deltas: Delta[], finish: string, includeUsage: boolean): string {
  const id = `chatcmpl-script-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const frame = (body: Record<string, unknown>) => `data: ${JSON.stringify(body)}\n\n`;
  const chunk = (delta: Delta, finishReason: string | null) =>
    frame({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] });
  let out = chunk({ role: "assistant", content: "" }, null);
  for (const d of deltas) out += chunk(d, null);
  out += chunk({}, finish);
  if (includeUsage) {
    out += frame({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    });
  }
  return out + "data: [DONE]\n\n";
}

export async function startToolScriptUpstream(opts: { model: string; command: string }): Promise<ToolScriptUpstream> {
  const requests: RecordedRequest[] = [];
  const callId = `call_script_${crypto.randomUUID().replaceAll("-", "")}`;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const { path, body } = await recordRequest(req, requests);
      if (req.method === "GET" && path === "/v1/models") {
        return Response.json({ object: "list", data: [{ id: opts.model, object: "model", created: 0, owned_by: "script" }] });
      }
      if (req.method !== "POST" || path !== "/v1/chat/completions" || body === null) {
        return Response.json({ error: { message: "Not found", type: "invalid_request_error", param: null, code: "not_found" } }, { status: 404 });
      }
      const toolText = lastToolText(body.messages);
      const deltas: Delta[] =
        toolText === undefined
          ? [
              {
                tool_calls: [
                  { index: 0, id: callId, type: "function", function: { name: "exec_command", arguments: JSON.stringify({ cmd: opts.command }) } },
                ],
              },
            ]
          : [{ content: `Tool said: ${toolText}` }];
      const finish = toolText === undefined ? "tool_calls" : "stop";
      if (body.stream !== true) {
        return Response.json(
          { error: { message: "this script only streams", type: "invalid_request_error", param: "stream", code: null } },
          { status: 400 },
        );
      }
      return new Response(sseBody(opts.model, deltas, finish, body.stream_options?.include_usage === true), {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
      });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests,
    callId,
    async stop() {
      server.stop(true);
    },
  };
}
