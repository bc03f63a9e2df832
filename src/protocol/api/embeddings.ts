// Embeddings (POST /v1/embeddings): never streamed, a pure function of the input.
import { OPENAI_ERRORS } from "../errors.ts";
import { Type } from "@sinclair/typebox";
import { chunkTerminalError } from "./chunks.ts";
import type { ProtocolSpec } from "./spec.ts";
import { compiledOnUse } from "./compile-on-use.ts";

const lenientCheck = compiledOnUse(
  Type.Object({ model: Type.String({ minLength: 1 }), input: Type.Union([Type.String(), Type.Array(Type.Unknown())]) }),
);

export const embeddings: ProtocolSpec = {
  api: "embeddings",
  path: "/embeddings",
  get check() {
    return lenientCheck();
  },
  streams: false,
  deterministic: true,
  // A vector for different text is a different answer: no near matching, no context fit.
  prompt: null,
  keyFields: ["input", "encoding_format", "dimensions"],
  keyExcluded: ["model", "user", "request_id"],
  conversations: false,
  errors: OPENAI_ERRORS,
  freshId: (hex) => `emb-${hex(12)}`,
  isContent: () => true,
  streamEnd: () => "done",
  terminalError: chunkTerminalError,
  isAnswer: (final) => Array.isArray(final.data),
  assembler: () => ({ push() {}, finish: () => null }),
  complete: (final) => Array.isArray(final.data) && final.data.length > 0,
  toEvents: () => [],
  replay: () => [],
  // An embeddings list has no id of its own.
  identify: (final, _id, model) => ({ ...final, model }), // shallow, as chunks.ts identify says
};
