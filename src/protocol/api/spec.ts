// What the pipeline, the router and the cache need to know about one client protocol. Each
// protocol module under protocol/api/ fills one of these; protocol/apis.ts is the table.
// Nothing outside protocol/ branches on a protocol's name: it reads the row.
import type { TSchema } from "@sinclair/typebox";
import type { TypeCheck } from "@sinclair/typebox/compiler";
import type { ErrorShape, GatewayError } from "../errors.ts";
import type { ChatChunk, ChatCompletion } from "../chat.ts";
import type { RequestTranslation } from "../translate/request.ts";
import type { ToolNameMap } from "../translate/tool-names.ts";

export type Api = "chat" | "responses" | "completions" | "embeddings" | "messages";

/** A JSON object as it comes off the wire: only the fields a row reads are looked at. */
export type Json = Record<string, unknown>;

/** One SSE event: its `event:` name (if any) and its data. */
export interface Payload {
  event?: string;
  data: string;
}

/** Where the prompt lives in a request body, for fit estimates and near-duplicate keys. */
export interface PromptFields {
  /** Chat messages or Responses input items. */
  turns?: string;
  /** The turns field may also be one string (Responses `input`). */
  textTurns?: boolean;
  /** Plain text fields, a string or an array of strings (legacy `prompt`). */
  texts?: string;
  /** System text outside the turns (Responses `instructions`): counted for fit only. */
  instructions?: string;
}

export interface ReplayOptions {
  id: string;
  /** The model name to show the client (what it asked for). */
  model: string;
  /** Chat/completions: the client's stream_options.include_usage. */
  includeUsage: boolean;
}

/** How a stream of this wire that died after content can be continued on another target. */
export interface Continuation {
  /** The answer text an event adds ("" for none). */
  textOf(data: string): string;
  /** An event that only opens an answer (a role-only chunk): dropped after a seam. */
  opensAnswer(data: string): boolean;
  /** The request that continues `partial`: the sent body with the partial answer as an assistant prefix. */
  resume(sentBody: string, partial: string): string;
}

/** One answer's final object, built payload by payload, so a stream is never held twice. */
export interface Assembler {
  push(payload: Json): void;
  /** The final object, or null when the payloads held none. */
  finish(): Json | null;
  /**
   * A row's fast path: takes the payload at [start, end) of `text` without JSON.parse when it
   * can read it in place (the chat row: a plain text chunk shaped like one it has seen), as
   * push() of the parsed payload would. False: the caller parses it, push()es it, and shows
   * it to learn().
   */
  take?(text: string, start: number, end: number): boolean;
  /** A payload just pushed, with its data text, for take() to learn its shape from. */
  learn?(data: string, payload: Json): void;
  /** The batch take() read from is done with: nothing taken from it may keep it alive now. */
  batchDone?(): void;
}

/** What a translated answer is told about the request it answers. */
export interface AnswerContext {
  /** The model name the client asked for (shown back to it). */
  model: string;
  /** The answer's id, as the client will see it. */
  id: string;
  toolNames: ToolNameMap;
  /** The client's request, for the fields an answer echoes. */
  request: Json;
  /** The prompt's size as estimated, for protocols that report input tokens before the answer. */
  inputTokens: number;
}

/** A chat stream turned into this protocol's events, as a state machine with no I/O. */
export interface StreamTranslator {
  /** The events that open the answer (sent at once, even while a model loads). */
  start(): { type: string }[];
  push(chunk: ChatChunk): { type: string }[];
  /** The upstream ended cleanly. */
  finish(): { type: string }[];
  /** The upstream died: the events that end this protocol's stream with an error. */
  fail(err: { message: string; code?: string }): { type: string }[];
  /** The answer object as assembled so far. */
  final(): Json;
}

/** How a protocol is served by an upstream that speaks only Chat Completions. */
export interface FromChat {
  /** The request as chat. `acceptsReasoningEffort`: the target is cloud-tier; `maxTokens`: the target's output bound. */
  request(body: Json, o: { acceptsReasoningEffort: boolean; maxTokens?: number }): RequestTranslation;
  stream(o: AnswerContext): StreamTranslator;
  whole(completion: ChatCompletion, o: AnswerContext): Json;
}

export interface ProtocolSpec {
  readonly api: Api;
  /** Path under /v1 on our side and under an upstream's base URL on theirs. */
  readonly path: string;
  /** The lenient request check: only the fields the gateway reads. */
  readonly check: TypeCheck<TSchema>;
  /** Whether `stream: true` gives an SSE answer (embeddings never stream). */
  readonly streams: boolean;
  /** The answer depends on the input alone (embeddings): always cacheable in "deterministic" mode. */
  readonly deterministic: boolean;
  /** Null when the request has no prompt a context window or a near-duplicate key applies to. */
  readonly prompt: PromptFields | null;
  /** Request fields that decide the answer, and those that never do (cache/key.ts has the rules). */
  readonly keyFields: readonly string[];
  readonly keyExcluded: readonly string[];
  /** An input field whose items carry per-session ids that name, not change, them (stripped from the key). */
  readonly itemIdsIn?: string;
  /** The wire a request of this protocol is translated to for an upstream that does not speak it. */
  readonly fallbackWire?: Api;
  /** The stricter check a request must pass to be translated (the translator reads every item). */
  readonly translationCheck?: TypeCheck<TSchema>;
  /** Set with fallbackWire: the translation both ways. */
  readonly fromChat?: FromChat;
  /** How this protocol's clients are told of an error (OpenAI's or Anthropic's shape). */
  readonly errors: ErrorShape;
  /** Per-field views for the cache key: parts of a field that never change the answer are dropped. */
  readonly keyView?: Readonly<Record<string, (v: unknown) => unknown>>;
  /** The body a local upstream gets instead of the client's (the same text when nothing changes). */
  localBody?(text: string): string;
  /** The request field bounding the answer's length, clamped to what a target can produce. */
  readonly maxTokensField?: string;
  /** Answers may be stored and continued by id (Responses `store` / `previous_response_id`). */
  readonly conversations: boolean;

  /** A streamed request's body asking the upstream to report usage (chat's stream_options). */
  requestUsage?(body: string): string;
  /** Drops the usage events only we asked for; null when the batch holds none. */
  stripUsage?<E extends Payload>(events: E[]): E[] | null;
  /** Set when a broken stream of this wire can be continued elsewhere (alias midstream = "continue"). */
  readonly continuation?: Continuation;
  /** A fresh id for an answer object shown to the client. */
  freshId(hex: (bytes: number) => string): string;
  /** Stream, as this protocol's upstream wire: does this event carry content, or the end? */
  isContent(data: string): boolean;
  /**
   * Stream, as this protocol's upstream wire: does this batch of whole events end the answer
   * ("done"), end it with the upstream's own error event ("failed"), or neither? A stream that
   * closes without either is a stream that died.
   */
  streamEnd(bytes: Uint8Array): "done" | "failed" | null;
  /** The SSE text that ends a stream of this protocol after a failure; `last` is the last event sent. */
  terminalError(e: GatewayError, last: Payload | null): string;
  /** Builds the final object from a stream's payloads (parsed, `[DONE]` left out) as they come. */
  assembler(): Assembler;
  /** A whole (non-stream) answer is what this protocol returns, not an error or something else. */
  isAnswer(final: Json): boolean;
  /** A final object is complete enough to keep (a proper finish, no error). */
  complete(final: Json): boolean;
  /** A final object (recorded whole) → the event payloads a stream of it would carry. */
  toEvents(final: Json): Json[];
  /** Recorded payloads → the events a replay sends, with the client's id and model. */
  replay(payloads: Json[], final: Json | null, o: ReplayOptions): Payload[];
  /** The final object shown to the client, with its id and model; serialised at once by its caller, so it may share nested parts with `final`. */
  identify(final: Json, id: string, model: string): Json;
}
