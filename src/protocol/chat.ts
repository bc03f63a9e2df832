// Chat Completions wire shapes. Lenient on purpose: only the fields Wayfront reads are
// named, every object allows unknown keys, so whatever a client or upstream adds passes
// through untouched (house style principle 3).
import { Type, type Static, type TSchema } from "@sinclair/typebox";

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Num = Type.Number();

export const ChatContentPart = Type.Object({
  type: Type.String(),
  text: Type.Optional(Type.String()),
  image_url: Type.Optional(Type.Object({ url: Type.String(), detail: Type.Optional(Type.String()) })),
});
export type ChatContentPart = Static<typeof ChatContentPart>;

export const ChatToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal("function"),
  function: Type.Object({ name: Type.String(), arguments: Type.String() }),
});
export type ChatToolCall = Static<typeof ChatToolCall>;

export const ChatMessage = Type.Object({
  role: Type.Union([Type.Literal("system"), Type.Literal("developer"), Type.Literal("user"), Type.Literal("assistant"), Type.Literal("tool")]),
  content: Type.Optional(Type.Union([Type.String(), Type.Null(), Type.Array(ChatContentPart)])),
  name: Type.Optional(Type.String()),
  tool_calls: Type.Optional(Type.Array(ChatToolCall)),
  tool_call_id: Type.Optional(Type.String()),
  /** Not OpenAI's; DeepSeek, vLLM and llama.cpp use it for a thinking model's trace. */
  reasoning_content: Type.Optional(Nullable(Type.String())),
});
export type ChatMessage = Static<typeof ChatMessage>;

export const ChatFunctionTool = Type.Object({
  type: Type.Literal("function"),
  function: Type.Object({
    name: Type.String(),
    description: Type.Optional(Type.String()),
    parameters: Type.Optional(Type.Unknown()),
    strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
  }),
});
export type ChatFunctionTool = Static<typeof ChatFunctionTool>;

export const ChatToolChoice = Type.Union([
  Type.Literal("none"),
  Type.Literal("auto"),
  Type.Literal("required"),
  Type.Object({ type: Type.Literal("function"), function: Type.Object({ name: Type.String() }) }),
]);
export type ChatToolChoice = Static<typeof ChatToolChoice>;

export const ChatResponseFormat = Type.Union([
  Type.Object({ type: Type.Literal("text") }),
  Type.Object({ type: Type.Literal("json_object") }),
  Type.Object({
    type: Type.Literal("json_schema"),
    json_schema: Type.Object({
      name: Type.String(),
      description: Type.Optional(Type.String()),
      schema: Type.Optional(Type.Unknown()),
      strict: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    }),
  }),
]);
export type ChatResponseFormat = Static<typeof ChatResponseFormat>;

export const ChatRequest = Type.Object({
  model: Type.String(),
  messages: Type.Array(ChatMessage),
  stream: Type.Optional(Type.Boolean()),
  stream_options: Type.Optional(Type.Object({ include_usage: Type.Optional(Type.Boolean()) })),
  tools: Type.Optional(Type.Array(ChatFunctionTool)),
  tool_choice: Type.Optional(ChatToolChoice),
  parallel_tool_calls: Type.Optional(Type.Boolean()),
  response_format: Type.Optional(ChatResponseFormat),
  max_tokens: Type.Optional(Num),
  max_completion_tokens: Type.Optional(Num),
  reasoning_effort: Type.Optional(Type.String()),
  temperature: Type.Optional(Num),
  top_p: Type.Optional(Num),
  stop: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
  user: Type.Optional(Type.String()),
});
export type ChatRequest = Static<typeof ChatRequest>;

export const ChatUsage = Type.Object({
  prompt_tokens: Num,
  completion_tokens: Num,
  total_tokens: Type.Optional(Num),
  prompt_tokens_details: Type.Optional(Type.Union([Type.Object({ cached_tokens: Type.Optional(Type.Union([Num, Type.Null()])) }), Type.Null()])),
  completion_tokens_details: Type.Optional(
    Type.Union([Type.Object({ reasoning_tokens: Type.Optional(Type.Union([Num, Type.Null()])) }), Type.Null()]),
  ),
});
export type ChatUsage = Static<typeof ChatUsage>;

const FinishReason = Type.Union([Type.String(), Type.Null()]);

/** A streamed tool-call fragment: only `index` is reliable; id/name arrive once, arguments in pieces. */
export const ChatToolCallDelta = Type.Object({
  index: Type.Optional(Num),
  id: Type.Optional(Nullable(Type.String())),
  type: Type.Optional(Type.String()),
  function: Type.Optional(
    Type.Object({
      name: Type.Optional(Nullable(Type.String())),
      arguments: Type.Optional(Nullable(Type.String())),
    }),
  ),
});
export type ChatToolCallDelta = Static<typeof ChatToolCallDelta>;

/** What a chunk and a completion both carry around their choices. */
const Envelope = {
  id: Type.Optional(Type.String()),
  object: Type.Optional(Type.String()),
  created: Type.Optional(Num),
  model: Type.Optional(Type.String()),
  usage: Type.Optional(Type.Union([ChatUsage, Type.Null()])),
};

/** The text fields of an assistant message, whole (completion) or in pieces (delta). */
const AssistantText = {
  content: Type.Optional(Nullable(Type.String())),
  // vLLM ≥0.10 and Ollama name the trace `reasoning`; DeepSeek and llama.cpp `reasoning_content`.
  reasoning_content: Type.Optional(Nullable(Type.String())),
  reasoning: Type.Optional(Nullable(Type.String())),
};

export const ChatChunk = Type.Object({
  ...Envelope,
  choices: Type.Array(
    Type.Object({
      index: Type.Optional(Num),
      delta: Type.Optional(
        Type.Object({
          role: Type.Optional(Nullable(Type.String())),
          ...AssistantText,
          tool_calls: Type.Optional(Type.Union([Type.Array(ChatToolCallDelta), Type.Null()])),
        }),
      ),
      finish_reason: Type.Optional(FinishReason),
    }),
  ),
});
export type ChatChunk = Static<typeof ChatChunk>;

export const ChatCompletion = Type.Object({
  ...Envelope,
  system_fingerprint: Type.Optional(Type.Unknown()),
  choices: Type.Array(
    Type.Object({
      index: Type.Optional(Num),
      message: Type.Object({
        role: Type.Optional(Type.String()),
        ...AssistantText,
        refusal: Type.Optional(Nullable(Type.String())),
        tool_calls: Type.Optional(Type.Union([Type.Array(ChatToolCall), Type.Null()])),
      }),
      finish_reason: Type.Optional(FinishReason),
      logprobs: Type.Optional(Type.Unknown()),
    }),
  ),
});
export type ChatCompletion = Static<typeof ChatCompletion>;
