// OpenAI Responses API shapes. The request is lenient (only fields we read; unknown keys
// and unknown item/tool types pass). Everything Wayfront *emits* — output items, the
// Response object, streaming events — is strict (additionalProperties: false) so tests
// catch a misspelt field before Codex or the openai SDK do. Field sets follow the openai
// SDK's `resources/responses/responses.d.ts` (v6) and the streams in
// shared/fixtures/codex that Codex 0.169 accepted. Longer than 200 lines because it is
// one contract: splitting events from the items they carry would scatter it.
import { Type, type Static, type TSchema } from "@sinclair/typebox";

const Str = Type.String();
const Int = Type.Integer({ minimum: 0 });
const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Strict = { additionalProperties: false } as const;

// ---- request (lenient) ----

export const InputContentPart = Type.Object({
  type: Str,
  text: Type.Optional(Str),
  image_url: Type.Optional(Nullable(Str)),
  file_id: Type.Optional(Nullable(Str)),
  detail: Type.Optional(Str),
});
export type InputContentPart = Static<typeof InputContentPart>;

export const InputMessageItem = Type.Object({
  type: Type.Optional(Type.Literal("message")),
  role: Type.Union([Type.Literal("user"), Type.Literal("assistant"), Type.Literal("system"), Type.Literal("developer")]),
  content: Type.Union([Str, Type.Array(InputContentPart)]),
});
export type InputMessageItem = Static<typeof InputMessageItem>;

export const InputFunctionCallItem = Type.Object({
  type: Type.Literal("function_call"),
  call_id: Str,
  name: Str,
  arguments: Str,
  namespace: Type.Optional(Str),
});
export type InputFunctionCallItem = Static<typeof InputFunctionCallItem>;

export const InputCustomToolCallItem = Type.Object({
  type: Type.Literal("custom_tool_call"),
  call_id: Str,
  name: Str,
  input: Str,
  namespace: Type.Optional(Str),
});
export type InputCustomToolCallItem = Static<typeof InputCustomToolCallItem>;

/** Both `function_call_output` and `custom_tool_call_output`. */
export const InputToolOutputItem = Type.Object({
  type: Type.Union([Type.Literal("function_call_output"), Type.Literal("custom_tool_call_output")]),
  call_id: Str,
  output: Type.Union([Str, Type.Array(InputContentPart)]),
});
export type InputToolOutputItem = Static<typeof InputToolOutputItem>;

/**
 * A `type` tag other than the listed ones. The catch-all variants below use it, so an item
 * or tool of a known type must pass its own schema: `{type:"function_call"}` without a
 * name is an error naming `name`, not an unknown item the translator would then trip on.
 */
const OtherType = (known: readonly string[]) => Type.Intersect([Str, Type.Not(Type.Union(known.map((k) => Type.Literal(k))))]);

const INPUT_ITEM_TYPES = ["message", "function_call", "custom_tool_call", "function_call_output", "custom_tool_call_output"] as const;

/** Anything else (reasoning, item_reference, web_search_call, …): kept so validation never rejects it. */
export const InputOtherItem = Type.Object({ type: OtherType(INPUT_ITEM_TYPES) });

export const InputItem = Type.Union([InputMessageItem, InputFunctionCallItem, InputCustomToolCallItem, InputToolOutputItem, InputOtherItem]);
export type InputItem = Static<typeof InputItem>;

export const FunctionTool = Type.Object({
  type: Type.Literal("function"),
  name: Str,
  description: Type.Optional(Nullable(Str)),
  parameters: Type.Optional(Type.Unknown()),
  strict: Type.Optional(Nullable(Type.Boolean())),
});
export type FunctionTool = Static<typeof FunctionTool>;

/** Freeform tool: the model writes raw text (optionally under a grammar) instead of JSON. */
export const CustomTool = Type.Object({
  type: Type.Literal("custom"),
  name: Str,
  description: Type.Optional(Str),
  format: Type.Optional(Type.Unknown()),
});
export type CustomTool = Static<typeof CustomTool>;

/** Codex groups sub-agent tools this way: `{type:"namespace", name, tools:[function…]}`. */
export const NamespaceTool = Type.Object({
  type: Type.Literal("namespace"),
  name: Str,
  description: Type.Optional(Str),
  tools: Type.Array(Type.Union([FunctionTool, CustomTool, Type.Object({ type: OtherType(["function", "custom"]) })])),
});
export type NamespaceTool = Static<typeof NamespaceTool>;

/** Hosted tools (web_search, file_search, local_shell, …): dropped by the translator with a warning. */
export const OtherTool = Type.Object({ type: OtherType(["function", "custom", "namespace"]) });

export const RequestTool = Type.Union([FunctionTool, CustomTool, NamespaceTool, OtherTool]);
export type RequestTool = Static<typeof RequestTool>;

export const RequestToolChoice = Type.Union([
  Str, // "none" | "auto" | "required"
  Type.Object({ type: Str, name: Type.Optional(Str) }),
]);
export type RequestToolChoice = Static<typeof RequestToolChoice>;

export const TextFormat = Type.Object({
  type: Str, // "text" | "json_object" | "json_schema"
  name: Type.Optional(Str),
  description: Type.Optional(Str),
  schema: Type.Optional(Type.Unknown()),
  strict: Type.Optional(Nullable(Type.Boolean())),
});
export type TextFormat = Static<typeof TextFormat>;

export const ResponsesRequest = Type.Object({
  model: Str,
  input: Type.Optional(Type.Union([Str, Type.Array(InputItem)])),
  instructions: Type.Optional(Nullable(Str)),
  tools: Type.Optional(Type.Array(RequestTool)),
  tool_choice: Type.Optional(RequestToolChoice),
  parallel_tool_calls: Type.Optional(Nullable(Type.Boolean())),
  text: Type.Optional(Type.Object({ format: Type.Optional(TextFormat) })),
  reasoning: Type.Optional(Nullable(Type.Object({ effort: Type.Optional(Nullable(Str)), summary: Type.Optional(Nullable(Str)) }))),
  max_output_tokens: Type.Optional(Nullable(Type.Number())),
  temperature: Type.Optional(Nullable(Type.Number())),
  top_p: Type.Optional(Nullable(Type.Number())),
  stop: Type.Optional(Type.Union([Str, Type.Array(Str)])),
  user: Type.Optional(Str),
  stream: Type.Optional(Nullable(Type.Boolean())),
  store: Type.Optional(Nullable(Type.Boolean())),
  previous_response_id: Type.Optional(Nullable(Str)),
  metadata: Type.Optional(Nullable(Type.Record(Str, Str))),
});
export type ResponsesRequest = Static<typeof ResponsesRequest>;

// ---- output items (strict) ----

const ItemStatus = Type.Union([Type.Literal("in_progress"), Type.Literal("completed"), Type.Literal("incomplete")]);

export const OutputText = Type.Object({ type: Type.Literal("output_text"), text: Str, annotations: Type.Array(Type.Unknown()) }, Strict);
export type OutputText = Static<typeof OutputText>;

export const MessageItem = Type.Object(
  { id: Str, type: Type.Literal("message"), status: ItemStatus, role: Type.Literal("assistant"), content: Type.Array(OutputText) },
  Strict,
);
export type MessageItem = Static<typeof MessageItem>;

export const FunctionCallItem = Type.Object(
  {
    id: Str,
    type: Type.Literal("function_call"),
    status: ItemStatus,
    call_id: Str,
    name: Str,
    namespace: Type.Optional(Str),
    arguments: Str,
  },
  Strict,
);
export type FunctionCallItem = Static<typeof FunctionCallItem>;

export const CustomToolCallItem = Type.Object(
  {
    id: Str,
    type: Type.Literal("custom_tool_call"),
    status: ItemStatus,
    call_id: Str,
    name: Str,
    namespace: Type.Optional(Str),
    input: Str,
  },
  Strict,
);
export type CustomToolCallItem = Static<typeof CustomToolCallItem>;

export const ReasoningText = Type.Object({ type: Type.Literal("reasoning_text"), text: Str }, Strict);

/** A chat upstream's raw thinking trace, as `content` (never `summary`: nothing summarised it). */
export const ReasoningItem = Type.Object(
  {
    id: Str,
    type: Type.Literal("reasoning"),
    status: ItemStatus,
    summary: Type.Array(Type.Object({ type: Type.Literal("summary_text"), text: Str }, Strict)),
    content: Type.Array(ReasoningText),
  },
  Strict,
);
export type ReasoningItem = Static<typeof ReasoningItem>;

export const OutputItem = Type.Union([MessageItem, FunctionCallItem, CustomToolCallItem, ReasoningItem]);
export type OutputItem = Static<typeof OutputItem>;

// ---- the Response object (strict) ----

export const ResponseUsage = Type.Object(
  {
    input_tokens: Int,
    input_tokens_details: Type.Object({ cached_tokens: Int }, Strict),
    output_tokens: Int,
    output_tokens_details: Type.Object({ reasoning_tokens: Int }, Strict),
    total_tokens: Int,
  },
  Strict,
);
export type ResponseUsage = Static<typeof ResponseUsage>;

export const ResponseStatus = Type.Union([
  Type.Literal("in_progress"),
  Type.Literal("completed"),
  Type.Literal("incomplete"),
  Type.Literal("failed"),
]);
export type ResponseStatus = Static<typeof ResponseStatus>;

export const ResponseObject = Type.Object(
  {
    id: Str,
    object: Type.Literal("response"),
    created_at: Int,
    status: ResponseStatus,
    model: Str,
    output: Type.Array(OutputItem),
    usage: Nullable(ResponseUsage),
    error: Nullable(Type.Object({ code: Str, message: Str }, Strict)),
    incomplete_details: Nullable(Type.Object({ reason: Str }, Strict)),
    // Echoed from the request when known (the real API always echoes them).
    parallel_tool_calls: Type.Optional(Type.Boolean()),
    tool_choice: Type.Optional(RequestToolChoice),
    temperature: Type.Optional(Nullable(Type.Number())),
    top_p: Type.Optional(Nullable(Type.Number())),
    max_output_tokens: Type.Optional(Nullable(Type.Number())),
    previous_response_id: Type.Optional(Nullable(Str)),
    metadata: Type.Optional(Type.Record(Str, Str)),
  },
  Strict,
);
export type ResponseObject = Static<typeof ResponseObject>;

// ---- streaming events (strict) ----

const Seq = { sequence_number: Int };
const At = { item_id: Str, output_index: Int };
const ev = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...Seq, ...props }, Strict);

export const ResponseCreatedEvent = ev("response.created", { response: ResponseObject });
export const ResponseInProgressEvent = ev("response.in_progress", { response: ResponseObject });
export const ResponseCompletedEvent = ev("response.completed", { response: ResponseObject });
export const ResponseIncompleteEvent = ev("response.incomplete", { response: ResponseObject });
export const ResponseFailedEvent = ev("response.failed", { response: ResponseObject });
export const OutputItemAddedEvent = ev("response.output_item.added", { output_index: Int, item: OutputItem });
export const OutputItemDoneEvent = ev("response.output_item.done", { output_index: Int, item: OutputItem });
// Reasoning items get content parts too: the openai SDK's accumulator needs the part to exist
// before a `reasoning_text.delta` lands in it.
const Part = Type.Union([OutputText, ReasoningText]);
export const ContentPartAddedEvent = ev("response.content_part.added", { ...At, content_index: Int, part: Part });
export const ContentPartDoneEvent = ev("response.content_part.done", { ...At, content_index: Int, part: Part });
export const OutputTextDeltaEvent = ev("response.output_text.delta", { ...At, content_index: Int, delta: Str });
export const OutputTextDoneEvent = ev("response.output_text.done", { ...At, content_index: Int, text: Str });
export const FunctionCallArgumentsDeltaEvent = ev("response.function_call_arguments.delta", { ...At, delta: Str });
export const FunctionCallArgumentsDoneEvent = ev("response.function_call_arguments.done", { ...At, arguments: Str });
export const CustomToolCallInputDeltaEvent = ev("response.custom_tool_call_input.delta", { ...At, delta: Str });
export const CustomToolCallInputDoneEvent = ev("response.custom_tool_call_input.done", { ...At, input: Str });
export const ReasoningTextDeltaEvent = ev("response.reasoning_text.delta", { ...At, content_index: Int, delta: Str });
export const ReasoningTextDoneEvent = ev("response.reasoning_text.done", { ...At, content_index: Int, text: Str });
export const ErrorEvent = ev("error", { code: Nullable(Str), message: Str, param: Nullable(Str) });

export const ResponsesEvent = Type.Union([
  ResponseCreatedEvent,
  ResponseInProgressEvent,
  ResponseCompletedEvent,
  ResponseIncompleteEvent,
  ResponseFailedEvent,
  OutputItemAddedEvent,
  OutputItemDoneEvent,
  ContentPartAddedEvent,
  ContentPartDoneEvent,
  OutputTextDeltaEvent,
  OutputTextDoneEvent,
  FunctionCallArgumentsDeltaEvent,
  FunctionCallArgumentsDoneEvent,
  CustomToolCallInputDeltaEvent,
  CustomToolCallInputDoneEvent,
  ReasoningTextDeltaEvent,
  ReasoningTextDoneEvent,
  ErrorEvent,
]);
export type ResponsesEvent = Static<typeof ResponsesEvent>;
