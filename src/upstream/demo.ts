// The built-in `demo` upstream of `--demo`: a deterministic FAKE model served in-process,
// so a newcomer without a GPU sees streaming work end to end. It says it is fake in its
// model list (owned_by), in every answer, and in the x-wayfront-upstream header ("demo").
import { DEMO_MODEL } from "../config/defaults.ts";
import type { FetchInit } from "./abort-line.ts";

const encoder = new TextEncoder();

export function demoAnswer(prompt: string): string {
  const said = prompt.trim().replace(/\s+/g, " ").slice(0, 200) || "(nothing)";
  return `[demo] This is Wayfront's built-in demo model, a fake with no GPU behind it. You said: ${said}`;
}

type Msg = { role?: unknown; content?: unknown };

function lastUserText(body: { messages?: Msg[]; prompt?: unknown } | null): string {
  if (typeof body?.prompt === "string") return body.prompt;
  const msgs = Array.isArray(body?.messages) ? body.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const m = msgs[i];
    if (m?.role !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) return m.content.map((p: { text?: unknown } | null) => (typeof p?.text === "string" ? p.text : "")).join(" ");
  }
  return "";
}

const json = (v: unknown, status = 200) => new Response(JSON.stringify(v), { status, headers: { "content-type": "application/json" } });

export function demoFetch(tokensPerSecond: number) {
  const delayMs = 1000 / tokensPerSecond;
  return async function demoFetch(url: string, init: FetchInit): Promise<Response> {
    const path = new URL(url).pathname.replace(/^\/v1/, "");
    if (path === "/models") {
      return json({ object: "list", data: [{ id: DEMO_MODEL, object: "model", created: 0, owned_by: "wayfront-demo (fake model)" }] });
    }
    const body = JSON.parse(String(init.body ?? "{}"));
    if (path === "/embeddings") {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      const data = inputs.map((s: unknown, index: number) => ({ object: "embedding", index, embedding: fakeVector(String(s)) }));
      return json({ object: "list", model: body.model, data, usage: { prompt_tokens: 0, total_tokens: 0 } });
    }
    if (path !== "/chat/completions" && path !== "/completions") {
      return json(
        { error: { message: `the demo model does not serve ${path}`, type: "invalid_request_error", param: null, code: "not_found" } },
        404,
      );
    }
    const chat = path === "/chat/completions";
    const words = demoAnswer(lastUserText(body)).split(/(?<= )/);
    const id = `${chat ? "chatcmpl" : "cmpl"}-demo${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = { prompt_tokens: lastUserText(body).length >> 2, completion_tokens: words.length, total_tokens: 0 };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    if (!body.stream) {
      const text = words.join("");
      const choice = chat
        ? { index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }
        : { index: 0, text, finish_reason: "stop" };
      return json({ id, object: chat ? "chat.completion" : "text_completion", created, model: body.model, choices: [choice], usage });
    }
    const object = chat ? "chat.completion.chunk" : "text_completion";
    const frame = (choice: unknown, extra?: object) =>
      encoder.encode(`data: ${JSON.stringify({ id, object, created, model: body.model, choices: [choice], ...extra })}\n\n`);
    const signal = init.signal;
    const stream = new ReadableStream<Uint8Array>({
      async start(ctl) {
        if (chat) ctl.enqueue(frame({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }));
        for (const w of words) {
          await Bun.sleep(delayMs);
          if (signal?.aborted) return ctl.close();
          ctl.enqueue(frame(chat ? { index: 0, delta: { content: w }, finish_reason: null } : { index: 0, text: w, finish_reason: null }));
        }
        ctl.enqueue(frame(chat ? { index: 0, delta: {}, finish_reason: "stop" } : { index: 0, text: "", finish_reason: "stop" }));
        if (body.stream_options?.include_usage) {
          ctl.enqueue(encoder.encode(`data: ${JSON.stringify({ id, object, created, model: body.model, choices: [], usage })}\n\n`));
        }
        ctl.enqueue(encoder.encode("data: [DONE]\n\n"));
        ctl.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };
}

function fakeVector(s: string): number[] {
  const h = Bun.hash(s);
  return Array.from({ length: 8 }, (_, i) => Number((BigInt.asUintN(64, BigInt(h)) >> BigInt(i * 8)) & 255n) / 255);
}
