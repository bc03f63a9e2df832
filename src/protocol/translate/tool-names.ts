// Chat tools are a flat list of functions named ^[a-zA-Z0-9_-]{1,64}$ (OpenAI's documented
// limit, enforced by vLLM and llama.cpp too). Responses tools may be namespaced or freeform,
// so each one gets a chat-safe name here, and the map restores the original on the way out.

/** What a chat tool name stands for on the Responses side. */
export interface ToolTarget {
  name: string;
  namespace?: string;
  /** "custom": a freeform tool wrapped as a function taking `{input: string}`. */
  kind: "function" | "custom";
}

/** chat tool name → original Responses tool. A plain object so it can be stored or cached as JSON. */
export type ToolNameMap = Record<string, ToolTarget>;

const MAX_NAME = 64;
const NAMESPACE_JOIN = "__";

function sanitize(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_-]/g, "_");
  return clean.length > 0 ? clean : "tool";
}

/** Registers a tool and returns its unique chat name (suffixed `_2`, `_3`… on a clash). */
export function addToolName(map: ToolNameMap, target: ToolTarget): string {
  const joined = target.namespace ? `${target.namespace}${NAMESPACE_JOIN}${target.name}` : target.name;
  const base = sanitize(joined).slice(0, MAX_NAME);
  let name = base;
  // Bounded: each round either returns or moves on to an unused suffix.
  for (let n = 2; n < 10_000 && Object.hasOwn(map, name); n++) {
    const suffix = `_${n}`;
    name = base.slice(0, MAX_NAME - suffix.length) + suffix;
  }
  map[name] = target;
  return name;
}

/** Chat name for a tool call found in conversation history (namespace + name as Codex sent it). */
export function chatNameFor(map: ToolNameMap, name: string, namespace?: string): string {
  for (const [chatName, t] of Object.entries(map)) {
    if (t.name === name && (t.namespace ?? undefined) === (namespace ?? undefined)) return chatName;
  }
  // A call to a tool no longer offered: still give the model a name it could have produced.
  const joined = namespace ? `${namespace}${NAMESPACE_JOIN}${name}` : name;
  return sanitize(joined).slice(0, MAX_NAME);
}

/** The Responses-side tool for a name the chat model produced; unknown names pass through as functions. */
export function resolveToolName(map: ToolNameMap, chatName: string): ToolTarget {
  return Object.hasOwn(map, chatName) ? map[chatName] : { name: chatName, kind: "function" };
}
