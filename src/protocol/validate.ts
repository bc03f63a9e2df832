// Lenient checks of client requests: only the fields the gateway reads. Everything else
// passes through untouched for the upstream to judge.
import { Type, type TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { GatewayError } from "./errors.ts";
import type { Api } from "../router/attempt.ts";

const Common = {
  model: Type.String({ minLength: 1 }),
  stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
};

const SCHEMAS: Record<Api, TSchema> = {
  chat: Type.Object({ ...Common, messages: Type.Array(Type.Object({ role: Type.String() })) }),
  responses: Type.Object({
    ...Common,
    input: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Unknown())])),
    previous_response_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  }),
  completions: Type.Object({ ...Common, prompt: Type.Union([Type.String(), Type.Array(Type.Unknown())]) }),
  embeddings: Type.Object({
    model: Type.String({ minLength: 1 }),
    input: Type.Union([Type.String(), Type.Array(Type.Unknown())]),
  }),
};

const CHECKS = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, TypeCompiler.Compile(s)])) as Record<Api, TypeCheck<TSchema>>;

export interface ParsedBody {
  model: string;
  stream: boolean;
  [k: string]: unknown;
}

export function parseBody(api: Api, text: string): ParsedBody {
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
  const check = CHECKS[api];
  if (!check.Check(body)) {
    const e = check.Errors(body).First()!;
    const param = e.path.split("/").filter(Boolean).join(".") || null;
    const root = e.path.split("/")[1];
    if (root && e.value === undefined && !(root in (body as object))) {
      throw new GatewayError("missing_field", `Missing required parameter: '${param}'.`, { param, code: "missing_required_parameter" });
    }
    throw new GatewayError("invalid_request", `Invalid value for '${param}': ${e.message.toLowerCase()}.`, { param, code: "invalid_type" });
  }
  const b = body as ParsedBody;
  b.stream = b.stream === true;
  return b;
}
