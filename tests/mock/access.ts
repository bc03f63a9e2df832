// The checks a request meets before any route: the API key, in the header the server reads,
// and Anthropic's required `anthropic-version`. Each answer is in the route's error shape.

import { errorIn, type ErrorShape } from "./error-body.ts";
import type { FlavourQuirks } from "./flavour.ts";
import type { RecordedRequest } from "./upstream.ts";

export const isMessagesPath = (path: string) => path === "/v1/messages" || path.startsWith("/v1/messages/");

/** Anthropic's API and every /v1/messages route answer errors as Anthropic does; the rest as OpenAI. */
export function errorShapeOf(quirks: FlavourQuirks, path: string): ErrorShape {
  return quirks.anthropicSurface || isMessagesPath(path) ? "anthropic" : "openai";
}

function keyMatches(rec: RecordedRequest, apiKey: string, quirks: FlavourQuirks): boolean {
  if (rec.headers.authorization === `Bearer ${apiKey}`) return true;
  // Anthropic's API reads x-api-key (what Claude Code 2.1.332 sends; @anthropic-ai/sdk 1.15.0
  // sends its apiKey as a Bearer header instead), and so do the Anthropic endpoints of local
  // servers (llama.cpp, vLLM). The OpenAI routes of the other flavours read only Bearer.
  return (quirks.anthropicSurface || isMessagesPath(rec.path)) && rec.headers["x-api-key"] === apiKey;
}

/** An error response when the request may not proceed, else undefined. */
export function refuse(rec: RecordedRequest, quirks: FlavourQuirks, apiKey: string | undefined): Response | undefined {
  if (!rec.path.startsWith("/v1/")) return undefined;
  const shape = errorShapeOf(quirks, rec.path);
  if (apiKey !== undefined && !keyMatches(rec, apiKey, quirks)) {
    if (shape === "openai") return errorIn(shape, 401, "Incorrect API key provided.", { code: "invalid_api_key" });
    return errorIn(shape, 401, "invalid x-api-key");
  }
  if (quirks.anthropicSurface && isMessagesPath(rec.path) && rec.headers["anthropic-version"] === undefined) {
    return errorIn(shape, 400, "anthropic-version: header is required");
  }
  return undefined;
}
