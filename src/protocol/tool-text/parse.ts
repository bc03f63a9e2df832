// Reads one complete candidate (the text between `<tool_call>` and `</tool_call>`, or a whole
// JSON answer) into tool calls, or refuses it. All or nothing: a candidate with one bad part
// is refused whole, so the answer keeps its exact text rather than half a call.
import type { TextToolCall, ToolIndex } from "./format.ts";
import { conforms, propertySchema, readParameter } from "./schema-check.ts";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A call counts only when it names an offered tool and its arguments are an object that
 * passes that tool's schema. Decision: a schema-invalid call stays text. Turned into a call
 * it would fail in the agent anyway ("missing field `command`"), and as text the user still
 * sees what the model meant; a refused call is never half-repaired.
 */
export function acceptCall(name: unknown, args: unknown, tools: ToolIndex): TextToolCall | null {
  if (typeof name !== "string") return null;
  const tool = tools.get(name);
  if (!tool || !isObject(args) || !conforms(tool.parameters, args)) return null;
  return { name, arguments: JSON.stringify(args) };
}

const FUNCTION_OPEN = /<function=([^>\n]+)>/y;
const PARAMETER_OPEN = /<parameter=([^>\n]+)>/y;
const FUNCTION_CLOSE = "</function>";
const PARAMETER_CLOSE = "</parameter>";

/**
 * Qwen3-Coder: one or more `<function=NAME>` blocks, each a run of
 * `<parameter=KEY>\nvalue\n</parameter>` with only whitespace between the tags. Every closing
 * tag is required: a missing one means the answer was cut off mid-call.
 */
export function parseQwenXml(body: string, tools: ToolIndex): TextToolCall[] | null {
  const calls: TextToolCall[] = [];
  let at = skipSpace(body, 0);
  while (at < body.length) {
    FUNCTION_OPEN.lastIndex = at;
    const fn = FUNCTION_OPEN.exec(body);
    const tool = fn && tools.get(fn[1].trim());
    if (!fn || !tool) return null;
    // A Map, so a parameter named "__proto__" is a key, not a prototype.
    const args = new Map<string, unknown>();
    at = FUNCTION_OPEN.lastIndex;
    for (;;) {
      at = skipSpace(body, at);
      if (body.startsWith(FUNCTION_CLOSE, at)) break;
      PARAMETER_OPEN.lastIndex = at;
      const p = PARAMETER_OPEN.exec(body);
      const end = p ? body.indexOf(PARAMETER_CLOSE, PARAMETER_OPEN.lastIndex) : -1;
      const key = p?.[1].trim() ?? "";
      if (end < 0 || args.has(key)) return null;
      args.set(key, readParameter(stripLayout(body.slice(PARAMETER_OPEN.lastIndex, end)), propertySchema(tool.parameters, key)));
      at = end + PARAMETER_CLOSE.length;
    }
    const call = acceptCall(tool.name, Object.fromEntries(args), tools);
    if (!call) return null;
    calls.push(call);
    at = skipSpace(body, at + FUNCTION_CLOSE.length);
  }
  return calls.length > 0 ? calls : null;
}

/** The template puts a newline after `>` and before `</parameter>`; they are not the value. */
function stripLayout(v: string): string {
  const start = v.startsWith("\r\n") ? 2 : v.startsWith("\n") ? 1 : 0;
  const end = v.endsWith("\r\n") ? v.length - 2 : v.endsWith("\n") ? v.length - 1 : v.length;
  return start <= end ? v.slice(start, end) : "";
}

function skipSpace(s: string, at: number): number {
  while (at < s.length && /\s/.test(s[at])) at++;
  return at;
}

/** Hermes: one JSON object `{"name", "arguments"|"parameters"}`; no arguments means `{}`. */
export function parseHermes(body: string, tools: ToolIndex): TextToolCall[] | null {
  const v = parseJson(body);
  const call = isObject(v) ? callFrom(v, tools, false) : null;
  return call ? [call] : null;
}

/**
 * A whole JSON answer: one call, an array of calls, or `{"tool_calls": [...]}`, each call as
 * `{name, arguments}` or OpenAI's `{type: "function", function: {name, arguments}}`. Here the
 * arguments key is required: a bare `{"name": …}` answer is more likely data than a call.
 */
export function parseJsonAnswer(text: string, tools: ToolIndex): TextToolCall[] | null {
  const v = parseJson(text);
  const list: unknown[] = Array.isArray(v) ? v : isObject(v) && Array.isArray(v.tool_calls) ? v.tool_calls : [v];
  const calls: TextToolCall[] = [];
  for (const item of list) {
    const call = isObject(item) ? callFrom(item, tools, true) : null;
    if (!call) return null;
    calls.push(call);
  }
  return calls.length > 0 ? calls : null;
}

function callFrom(obj: Record<string, unknown>, tools: ToolIndex, requireArgs: boolean): TextToolCall | null {
  const fn = isObject(obj.function) ? obj.function : obj;
  let args = fn.arguments !== undefined ? fn.arguments : fn.parameters;
  if (args === undefined && requireArgs) return null;
  // Arguments as a JSON string is what the chat wire itself carries; models copy it.
  if (args === undefined || args === "") args = {};
  else if (typeof args === "string") args = parseJson(args);
  return acceptCall(fn.name, args, tools);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
