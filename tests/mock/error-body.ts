// Upstream error answers in OpenAI's shape, which all four flavours use on their /v1 routes.

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
