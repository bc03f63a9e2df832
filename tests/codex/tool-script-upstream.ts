// A chat-only upstream that scripts one tool round trip for a real agent CLI: the first turn
// answers with a call to `exec_command` running `command` (Codex's shell tool; another tool and
// arguments for another agent, e.g. Claude Code's Bash); once the request carries a `tool`
// message it answers with that message's text. The shared mock can't do this: its tool calls
// always carry weather arguments and it calls tools on every turn, so the agent would loop.

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

export interface ToolScriptOptions {
  model: string;
  command: string;
  /** The call the first turn makes; default Codex's `exec_command` with `{cmd: command}`. */
  tool?: { name: string; arguments: Record<string, unknown> };
  /** Put before the tool's output in the final answer; default "Tool said: ". */
  replyPrefix?: string;
  /**
   * The first turn writes its call as Qwen3-Coder XML text in the content (finish "stop"), as
   * a local model does when its server has no tool parser: the gateway must repair it.
   */
  asText?: boolean;
}

/** A call as Qwen3-Coder writes it, cut into small pieces (inside the tags too). */
function qwenText(name: string, args: Record<string, unknown>): Delta[] {
  const params = Object.entries(args).map(([k, v]) => `<parameter=${k}>\n${typeof v === "string" ? v : JSON.stringify(v)}\n</parameter>\n`);
  const text = `Running it now.\n<tool_call>\n<function=${name}>\n${params.join("")}</function>\n</tool_call>`;
  const pieces: Delta[] = [];
  for (let i = 0; i < text.length; i += 5) pieces.push({ content: text.slice(i, i + 5) });
  return pieces;
}

/** A whole chat completion, for clients that don't stream (Claude Code's fallback, through a gateway). */
function completion(model: string, deltas: Delta[], finish: string): Record<string, unknown> {
  const text = deltas.map((d) => (typeof d.content === "string" ? d.content : "")).join("");
  const message: Delta = { role: "assistant", content: text || null };
  if (deltas[0]?.tool_calls) message.tool_calls = (deltas[0].tool_calls as Delta[]).map(({ index, ...call }) => call);
  return {
    id: `chatcmpl-script-${crypto.randomUUID()}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message, finish_reason: finish }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

export async function startToolScriptUpstream(opts: ToolScriptOptions): Promise<ToolScriptUpstream> {
  const requests: RecordedRequest[] = [];
  const callId = `call_script_${crypto.randomUUID().replaceAll("-", "")}`;
  const tool = opts.tool ?? { name: "exec_command", arguments: { cmd: opts.command } };
  const replyPrefix = opts.replyPrefix ?? "Tool said: ";
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
        toolText === undefined && opts.asText
          ? qwenText(tool.name, tool.arguments)
          : toolText === undefined
            ? [
                {
                  tool_calls: [{ index: 0, id: callId, type: "function", function: { name: tool.name, arguments: JSON.stringify(tool.arguments) } }],
                },
              ]
            : [{ content: `${replyPrefix}${toolText}` }];
      const finish = toolText === undefined && !opts.asText ? "tool_calls" : "stop";
      if (body.stream !== true) return Response.json(completion(opts.model, deltas, finish));
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
