// A mock OpenAI-compatible upstream on 127.0.0.1 for end-to-end tests. Behaves like one of
// five real servers (flavour), can also speak Anthropic Messages (wire), and injects faults
// chosen by markers in the model name (see faults.ts). Built on Bun.serve directly so the gateway's framework is not under test.

import { errorShapeOf, refuse } from "./access.ts";
import { answerModelRequest, messagesPromptTokens, type ApiKind, type Exchange } from "./answer-route.ts";
import { anthropicModelList, llamaProps, modelList, ollamaPs, ollamaTags, type PsEntry } from "./catalog.ts";
import { anthropicError, openaiError } from "./error-body.ts";
import { quirksOf, type Flavour } from "./flavour.ts";
import { recordRequest } from "./record-request.ts";

export type { Flavour } from "./flavour.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body, or null when empty or not JSON. */
  body: any;
  /** True when the client went away before the response finished. */
  aborted: boolean;
}

export interface MockOptions {
  flavour?: Flavour;
  models?: string[];
  /** APIs spoken besides the legacy ones; a route not listed answers 404, as a real server does. */
  wire?: ("chat" | "responses" | "messages")[];
  apiKey?: string;
  loaded?: string[];
  /** Ollama: what /api/ps says of a loaded model (context_length, size, size_vram), by name. */
  ps?: Record<string, PsEntry>;
  /** llama.cpp: answer GET /props with this n_ctx (without it, /props is a 404 as before). */
  nCtx?: number;
  tokenDelayMs?: number;
}

export interface MockUpstream {
  /** Base URL including /v1. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Stop listening and cut every open connection; `port` is kept for up(). */
  down(): void;
  up(): Promise<void>;
  stop(): Promise<void>;
  /**
   * The first aborted request (path ending with `pathSuffix`) not yet returned by an earlier
   * call: one that already aborted, else the next one to abort.
   */
  waitForAbort(pathSuffix?: string): Promise<RecordedRequest>;
}

const POST_ROUTES: Record<string, ApiKind> = {
  "/v1/chat/completions": "chat",
  "/v1/completions": "completions",
  "/v1/embeddings": "embeddings",
  "/v1/responses": "responses",
  "/v1/messages": "messages",
};

interface AbortWaiter {
  suffix: string;
  resolve(r: RecordedRequest): void;
}

/**
 * The tokenizer endpoint at the server's root: llama.cpp takes `content` and answers the
 * tokens, vLLM takes `prompt` and answers `count` too. One token per word, like the mock's usage.
 */
function tokenize(body: any): Response {
  const text = typeof body?.content === "string" ? body.content : typeof body?.prompt === "string" ? body.prompt : "";
  const tokens = text
    .split(/\s+/)
    .filter(Boolean)
    .map((_: string, i: number) => 1000 + i);
  return Response.json({ tokens, count: tokens.length });
}

export async function startMockUpstream(opts: MockOptions = {}): Promise<MockUpstream> {
  const flavour = opts.flavour ?? "openai";
  const quirks = quirksOf(flavour);
  const models = opts.models ?? ["mock-model"];
  const wire = opts.wire ?? ["chat"];
  const requests: RecordedRequest[] = [];
  const claimed = new Set<RecordedRequest>();
  let waiters: AbortWaiter[] = [];
  /** Exchanges still answering: down() ends them first so its cut is not taken for a client abort. */
  const open = new Set<() => void>();

  function notifyAbort(rec: RecordedRequest): void {
    const i = waiters.findIndex((w) => rec.path.endsWith(w.suffix));
    if (i === -1) return;
    const [w] = waiters.splice(i, 1);
    claimed.add(rec);
    w.resolve(rec);
  }

  function notFound(): Response {
    // Ollama's Go router answers unknown paths with plain text, not JSON.
    if (flavour === "ollama") return new Response("404 page not found", { status: 404, headers: { "content-type": "text/plain" } });
    if (quirks.anthropicSurface) return anthropicError(404, "Not Found");
    return openaiError(404, "Not found", { code: "not_found" });
  }

  const speaks = (kind: ApiKind) => (kind !== "responses" && kind !== "messages") || wire.includes(kind);

  async function route(req: Request, rec: RecordedRequest, path: string): Promise<Response> {
    const refused = refuse(rec, quirks, opts.apiKey);
    if (refused) return refused;
    if (req.method === "GET") {
      if (path === "/v1/models") return Response.json(quirks.anthropicSurface ? anthropicModelList(models) : modelList(models, quirks));
      if (flavour === "ollama" && path === "/api/ps") return Response.json(ollamaPs(opts.loaded ?? [], opts.ps));
      if (flavour === "ollama" && path === "/api/tags") return Response.json(ollamaTags(models));
      if (flavour === "llamacpp" && path === "/props" && opts.nCtx) return Response.json(llamaProps(opts.nCtx, models[0]));
      if ((flavour === "llamacpp" || flavour === "vllm") && path === "/health") return Response.json({ status: "ok" });
      return notFound();
    }
    if (req.method === "POST" && path === "/v1/messages/count_tokens" && speaks("messages")) {
      return Response.json({ input_tokens: messagesPromptTokens(rec.body) });
    }
    if (req.method === "POST" && path === "/tokenize" && (flavour === "llamacpp" || flavour === "vllm")) return tokenize(rec.body);
    const kind = req.method === "POST" ? POST_ROUTES[path] : undefined;
    if (kind === undefined || !speaks(kind)) return notFound();
    let ended = false;
    const end = () => {
      ended = true;
      open.delete(end);
    };
    open.add(end);
    const ex: Exchange = {
      body: rec.body,
      signal: req.signal,
      models,
      quirks,
      tokenDelayMs: opts.tokenDelayMs ?? 0,
      errorShape: errorShapeOf(quirks, path),
      end,
      cancelled: () => markAborted(),
    };
    // An abort after the last byte (or after the mock cut the line itself) is not the client's.
    function markAborted(): void {
      if (ended || rec.aborted) return;
      rec.aborted = true;
      notifyAbort(rec);
    }
    req.signal.addEventListener("abort", markAborted, { once: true });
    return answerModelRequest(kind, ex);
  }

  let server: ReturnType<typeof Bun.serve> | undefined;
  let port = 0;
  const listen = () => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      // 0 disables Bun's 10 s idle cut-off: hang and stall faults must outlive it.
      idleTimeout: 0,
      async fetch(req) {
        const rec = await recordRequest(req, requests);
        return route(req, rec, rec.path);
      },
      error(err) {
        return openaiError(500, `mock upstream crashed: ${err.message}`);
      },
    });
    port = server.port ?? 0;
  };
  listen();

  const mock: MockUpstream = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    down() {
      for (const end of [...open]) end();
      server?.stop(true);
      server = undefined;
    },
    async up() {
      if (!server) listen();
    },
    async stop() {
      mock.down();
      waiters = [];
    },
    waitForAbort(pathSuffix = "") {
      const done = requests.find((r) => r.aborted && !claimed.has(r) && r.path.endsWith(pathSuffix));
      if (done) {
        claimed.add(done);
        return Promise.resolve(done);
      }
      return new Promise((resolve) => waiters.push({ suffix: pathSuffix, resolve }));
    },
  };
  return mock;
}
