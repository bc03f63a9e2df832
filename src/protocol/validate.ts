// Lenient checks of client requests: only the fields the gateway reads (each protocol row's
// `check`). Everything else passes through untouched for the upstream to judge.
import type { TSchema } from "@sinclair/typebox";
import type { TypeCheck } from "@sinclair/typebox/compiler";
import type { ProtocolSpec } from "./api/spec.ts";
import { GatewayError } from "./errors.ts";

export interface ParsedBody {
  model: string;
  stream: boolean;
  [k: string]: unknown;
}

export function parseBody(spec: ProtocolSpec, text: string): ParsedBody {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new GatewayError(
      "invalid_json",
      `We could not parse the JSON body of your request (${(err as Error).message}). The body must be a JSON object.`,
      { code: "invalid_json" },
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError("invalid_json", "The request body must be a JSON object.", { code: "invalid_json" });
  }
  checkOrThrow(spec.check, body, true);
  const b = body as ParsedBody;
  b.stream = b.stream === true && spec.streams;
  return b;
}

/** The first schema error as an OpenAI-shaped 400; `missing` tells an absent field apart. */
export function checkOrThrow(check: TypeCheck<TSchema>, body: unknown, missing = false): void {
  if (check.Check(body)) return;
  const e = check.Errors(body).First()!;
  const param = e.path.split("/").filter(Boolean).join(".") || null;
  const root = e.path.split("/")[1];
  if (missing && root && e.value === undefined && !(root in (body as object))) {
    throw new GatewayError("missing_field", `Missing required parameter: '${param}'.`, { param, code: "missing_required_parameter" });
  }
  throw new GatewayError("invalid_request", `Invalid value for '${param}': ${e.message.toLowerCase()}.`, { param, code: "invalid_type" });
}
