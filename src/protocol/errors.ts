// The one place that turns a failure into a client protocol's error JSON: OpenAI's shape for
// the OpenAI endpoints, Anthropic's for the Messages API (one mapping each). Everything deeper
// in the stack throws or returns a GatewayError; only this module knows statuses and types.

export type ErrorKind =
  | "invalid_json"
  | "invalid_request"
  | "missing_field"
  | "body_too_large"
  | "request_timeout"
  | "model_not_found"
  | "not_found"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "rate_limited"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "upstream_error"
  | "no_capacity"
  | "stream_interrupted"
  | "internal";

const STATUS: Record<ErrorKind, number> = {
  invalid_json: 400,
  invalid_request: 400,
  missing_field: 400,
  body_too_large: 413,
  request_timeout: 408,
  model_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  unauthorized: 401,
  forbidden: 403,
  rate_limited: 429,
  upstream_unreachable: 502,
  upstream_timeout: 504,
  upstream_error: 502,
  no_capacity: 503,
  stream_interrupted: 502,
  internal: 500,
};

// OpenAI uses "invalid_request_error" for every client mistake; server-side trouble is
// "server_error" (what the official SDKs surface as InternalServerError / APIError).
const TYPE: Record<ErrorKind, string> = {
  invalid_json: "invalid_request_error",
  invalid_request: "invalid_request_error",
  missing_field: "invalid_request_error",
  body_too_large: "invalid_request_error",
  request_timeout: "invalid_request_error",
  model_not_found: "invalid_request_error",
  not_found: "invalid_request_error",
  method_not_allowed: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  rate_limited: "rate_limit_error",
  upstream_unreachable: "server_error",
  upstream_timeout: "server_error",
  upstream_error: "server_error",
  no_capacity: "server_error",
  stream_interrupted: "server_error",
  internal: "server_error",
};

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  /**
   * What the client is told. Usually the same as `message`; for an unexpected exception
   * (internalError) `message` also carries its cause, for the log line, and this does not.
   */
  readonly clientMessage: string;
  readonly param: string | null;
  readonly code: string | null;
  /** Overrides the kind's default status, e.g. an upstream 4xx passed on as-is. */
  readonly status: number;
  readonly headers: Record<string, string> | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: { param?: string | null; code?: string | null; status?: number; headers?: Record<string, string>; logDetail?: string } = {},
  ) {
    super(opts.logDetail ? `${message} (${opts.logDetail})` : message);
    this.clientMessage = message;
    this.kind = kind;
    this.param = opts.param ?? null;
    this.code = opts.code ?? kind;
    this.status = opts.status ?? STATUS[kind];
    this.headers = opts.headers;
  }

  body(): ErrorBody {
    return { error: { message: this.clientMessage, type: TYPE[this.kind], param: this.param, code: this.code } };
  }
}

// Anthropic's error types (https://docs.anthropic.com/en/api/errors). A full gateway is
// "overloaded_error": Claude Code retries that as a server-side issue.
const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_json: "invalid_request_error",
  invalid_request: "invalid_request_error",
  missing_field: "invalid_request_error",
  body_too_large: "request_too_large",
  request_timeout: "timeout_error",
  model_not_found: "not_found_error",
  not_found: "not_found_error",
  method_not_allowed: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  rate_limited: "rate_limit_error",
  upstream_unreachable: "api_error",
  upstream_timeout: "timeout_error",
  upstream_error: "api_error",
  no_capacity: "overloaded_error",
  stream_interrupted: "api_error",
  internal: "api_error",
};

/** How one client protocol writes an error: the body of an HTTP error, and the event that ends a stream. */
export interface ErrorShape {
  readonly name: "openai" | "anthropic";
  body(e: GatewayError): unknown;
}

export const OPENAI_ERRORS: ErrorShape = { name: "openai", body: (e) => e.body() };

export const ANTHROPIC_ERRORS: ErrorShape = {
  name: "anthropic",
  body: (e) => ({ type: "error", error: { type: ANTHROPIC_TYPE[e.kind], message: e.clientMessage } }),
};

/** Messages streams end with an `error` event carrying the same object as an HTTP error. */
export function anthropicStreamErrorEvent(err: unknown): string {
  return `event: error\ndata: ${JSON.stringify(ANTHROPIC_ERRORS.body(toGatewayError(err)))}\n\n`;
}

export function isGatewayError(v: unknown): v is GatewayError {
  return v instanceof GatewayError;
}

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Always parseable, even if building the real body somehow failed. */
export const FALLBACK_ERROR_JSON = '{"error":{"message":"internal gateway error","type":"server_error","param":null,"code":"internal"}}';

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return internalError(err);
}

/** At most this much of an exception's message goes into the log line. */
const MAX_CAUSE_CHARS = 500;

/** An exception's name and message on one line (never its stack), for the log. */
export function describeCause(err: unknown): string {
  let text: string;
  try {
    if (err instanceof Error) text = `${err.name}: ${err.message}`;
    else if (typeof err === "string") text = err;
    else text = `non-error thrown: ${String(JSON.stringify(err) ?? typeof err)}`;
  } catch {
    text = `non-error thrown: ${typeof err}`;
  }
  text = text.replace(/\s+/g, " ").trim();
  return text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS)}…` : text;
}

/**
 * An unexpected exception as a 500. The client is told only "internal gateway error" (never
 * a stack or an exception's internals); `message`, which the log line shows, keeps the cause.
 */
export function internalError(err: unknown): GatewayError {
  return new GatewayError("internal", "internal gateway error", { logDetail: describeCause(err) });
}

/** The error's JSON text in a protocol's shape; always parseable. */
export function errorText(e: GatewayError, shape: ErrorShape = OPENAI_ERRORS): string {
  try {
    return JSON.stringify(shape.body(e));
  } catch {
    return FALLBACK_ERROR_JSON;
  }
}

export function errorResponse(err: unknown, extraHeaders?: Record<string, string>, shape: ErrorShape = OPENAI_ERRORS): Response {
  const e = toGatewayError(err);
  const text = errorText(e, shape);
  const headers: Record<string, string> = { "content-type": "application/json", ...e.headers, ...extraHeaders };
  return new Response(text, { status: e.status, headers });
}

/** Chat Completions streams end with a data event carrying an `error` object (what OpenAI sends). */
export function chatStreamErrorEvent(err: unknown): string {
  return `data: ${JSON.stringify(toGatewayError(err).body())}\n\n`;
}

/** Responses streams end with an `error` event (see the Responses streaming reference). */
export function responsesStreamErrorEvent(err: unknown, sequenceNumber: number): string {
  const e = toGatewayError(err);
  const payload = { type: "error", sequence_number: sequenceNumber, code: e.code, message: e.clientMessage, param: e.param };
  return `event: error\ndata: ${JSON.stringify(payload)}\n\n`;
}
