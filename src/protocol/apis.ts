// The table of client protocols: one row each (protocol/api/*.ts). Adding a protocol is one
// module and one line here; the pipeline, router and cache read rows, never names.
import { chat } from "./api/chat.ts";
import { completions } from "./api/completions.ts";
import { embeddings } from "./api/embeddings.ts";
import { messages } from "./api/messages.ts";
import { responses } from "./api/responses.ts";
import type { Api, ProtocolSpec } from "./api/spec.ts";

export type {
  AnswerContext,
  Api,
  Continuation,
  FromChat,
  Json,
  Payload,
  ProtocolSpec,
  PromptFields,
  ReplayOptions,
  StreamTranslator,
} from "./api/spec.ts";

export const PROTOCOLS: Record<Api, ProtocolSpec> = { chat, responses, completions, embeddings, messages };

export const API_PATH: Record<Api, string> = Object.fromEntries(Object.values(PROTOCOLS).map((p) => [p.api, p.path])) as Record<Api, string>;
