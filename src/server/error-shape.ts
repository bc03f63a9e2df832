// Which error shape a request gets before (or without) a protocol row deciding it: a 404, a
// 405, a refusal by the guard, an unadmitted key. Anthropic's clients (Claude Code) show only
// what an Anthropic-shaped error says, so anything on a Messages path, or sent with
// `anthropic-version`, is answered in that shape; everything else in OpenAI's.
import { ANTHROPIC_ERRORS, OPENAI_ERRORS, type ErrorShape } from "../protocol/errors.ts";
import { pathOf } from "./request-path.ts";

const MESSAGES_PATH = /\/messages(\/|$)/;

export function errorShapeOf(request: Request): ErrorShape {
  if (request.headers.has("anthropic-version")) return ANTHROPIC_ERRORS;
  return MESSAGES_PATH.test(pathOf(request.url)) ? ANTHROPIC_ERRORS : OPENAI_ERRORS;
}

/** `ANTHROPIC_BASE_URL=http://host:4141/v1`: Claude Code appends /v1/messages itself. */
export const DOUBLED_V1 = /^\/v1\/v1\//;
