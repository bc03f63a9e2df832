// Upstream error answers: OpenAI's shape, which the four OpenAI-compatible flavours use on
// their /v1 routes, and Anthropic's, which its API and every /v1/messages route use.

const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "invalid_request_error",
  403: "permission_error",
  404: "invalid_request_error",
  429: "rate_limit_error",
};

export function openaiError(
  status: number,
  message: string,
  opts: { code?: string | null; param?: string | null; headers?: Record<string, string> } = {},
): Response {
  const type = TYPES[status] ?? (status >= 500 ? "server_error" : "invalid_request_error");
  const body = { error: { message, type, param: opts.param ?? null, code: opts.code ?? null } };
  return Response.json(body, { status, headers: opts.headers });
}

// Anthropic's error types per status (docs.anthropic.com/en/api/errors); 529 is its "overloaded".
const ANTHROPIC_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

export function anthropicError(status: number, message: string, opts: { headers?: Record<string, string> } = {}): Response {
  const type = ANTHROPIC_TYPES[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return Response.json({ type: "error", error: { type, message } }, { status, headers: opts.headers });
}

/** Which of the two bodies a route answers errors with. */
export type ErrorShape = "openai" | "anthropic";

export type ErrorOptions = { code?: string | null; param?: string | null; headers?: Record<string, string> };

export function errorIn(shape: ErrorShape, status: number, message: string, opts: ErrorOptions = {}): Response {
  return shape === "anthropic" ? anthropicError(status, message, opts) : openaiError(status, message, opts);
}
