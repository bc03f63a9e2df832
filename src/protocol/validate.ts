// Lenient checks of client requests: only the fields the gateway reads (each protocol row's
// `check`). Everything else passes through untouched for the upstream to judge.
import type { TSchema } from "@sinclair/typebox";
import type { TypeCheck } from "@sinclair/typebox/compiler";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import type { ProtocolSpec } from "./api/spec.ts";
import { GatewayError } from "./errors.ts";
import { exceedsJsonDepth } from "./json-depth.ts";

export interface ParsedBody {
  model: string;
  stream: boolean;
  [k: string]: unknown;
}

/**
 * The body as JSON, checked by the row's lenient schema. `maxDepth` (server.max_json_depth)
 * is checked on the text first, so nothing downstream recurses into a pathological nesting.
 */
export function parseBody(spec: ProtocolSpec, text: string, maxDepth = Number.POSITIVE_INFINITY): ParsedBody {
  if (exceedsJsonDepth(text, maxDepth)) {
    throw new GatewayError(
      "invalid_json",
      `The JSON body of your request nests arrays and objects more than ${maxDepth} levels deep, this gateway's limit (server.max_json_depth).`,
      { code: "json_too_deep" },
    );
  }
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
  checkOrThrow(spec.check, body);
  const b = body as ParsedBody;
  b.stream = b.stream === true && spec.streams;
  return b;
}

/**
 * The first schema error as an OpenAI-shaped 400 naming the param (`input.0.content`). An
 * absent field is told apart (`missing_required_parameter`), at any depth. A union's error
 * is followed into the variant the value was meant to be, so `{type:"function_call"}`
 * without a name reports the missing name rather than "expected union value".
 */
export function checkOrThrow(check: TypeCheck<TSchema>, body: unknown): void {
  if (check.Check(body)) return;
  const first = check.Errors(body).First();
  if (!first) throw new GatewayError("invalid_request", "The request body is not valid.", { code: "invalid_type" });
  const e = intendedError(first);
  const keys = e.path.split("/").filter(Boolean);
  const param = keys.join(".") || null;
  if (e.value === undefined && keys.length > 0 && isAbsent(body, keys)) {
    throw new GatewayError("missing_field", `Missing required parameter: '${param}'.`, { param, code: "missing_required_parameter" });
  }
  throw new GatewayError("invalid_request", `Invalid value for '${param}': ${describe(e)}.`, { param, code: "invalid_type" });
}

/** How many unions deep an error is followed (schemas nest a handful; this only bounds the loop). */
const MAX_UNION_HOPS = 32;

/** A union's error → the error of the one variant the value's shape (and `type` tag) points at. */
function intendedError(error: ValueError): ValueError {
  let e = error;
  for (let hop = 0; hop < MAX_UNION_HOPS && e.type === ValueErrorType.Union; hop++) {
    const variants = (e.schema.anyOf ?? []) as TSchema[];
    const value = e.value;
    const meant = variants.flatMap((s, i) => (shapeFits(s, value) ? [e.errors[i]?.First()] : [])).filter((x) => x !== undefined);
    if (meant.length === 0) return e;
    // Several variants fit the shape: the one whose error lies deepest got furthest.
    e = meant.reduce((a, b) => (depthOf(b) > depthOf(a) ? b : a));
  }
  return e;
}

const depthOf = (e: ValueError) => e.path.split("/").length;

/** The value has the JSON type the schema asks for and, for a tagged object, a matching `type`. */
function shapeFits(schema: TSchema, value: unknown): boolean {
  if (schema.const !== undefined) return false; // a literal: either it matched or it is just wrong
  const t = schema.type as string | undefined;
  const actual = jsonType(value);
  if (t !== undefined && t !== actual && !(t === "number" && actual === "integer")) return false;
  if (actual !== "object") return true;
  const tag = (schema.properties as Record<string, TSchema> | undefined)?.type;
  if (!tag) return true;
  const v = (value as Record<string, unknown>).type;
  if (v === undefined) return !((schema.required as string[] | undefined) ?? []).includes("type");
  return Value.Check(tag, v);
}

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** The key at the end of `keys` is not there at all (as opposed to present with a bad value). */
function isAbsent(body: unknown, keys: string[]): boolean {
  let at: unknown = body;
  for (const k of keys.slice(0, -1)) {
    if (at === null || typeof at !== "object") return false;
    at = (at as Record<string, unknown>)[k];
  }
  return at !== null && typeof at === "object" && !Object.hasOwn(at, keys[keys.length - 1]);
}

/** A schema error in words: TypeBox's message, or for a union what it would have accepted. */
function describe(e: ValueError): string {
  if (e.type !== ValueErrorType.Union) return e.message.toLowerCase();
  const variants = (e.schema.anyOf ?? []) as TSchema[];
  const consts = variants.filter((s) => s.const !== undefined).map((s) => JSON.stringify(s.const));
  if (consts.length === variants.length) return `expected one of ${consts.join(", ")}`;
  const kinds = [...new Set(variants.map(kindOf))];
  return `expected ${kinds.join(" or ")}`;
}

function kindOf(s: TSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case "array":
      return "an array";
    case "object":
      return "an object";
    case "integer":
      return "an integer";
    case "null":
      return "null";
    case undefined:
      return "a value of another shape";
    default:
      return `a ${s.type}`;
  }
}
