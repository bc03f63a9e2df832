// Fault markers ride in the requested model name ("mock-model+slow-first:300+drop-after:2")
// so an end-to-end test picks upstream behaviour per request, through any gateway that
// forwards the model string, without a side channel to the mock.

export interface Faults {
  slowFirstMs?: number;
  stallAfterRoleMs?: number;
  dropAfter?: number;
  errorStatus?: number;
  retryAfter?: string;
  tools?: boolean;
  parallelTools?: boolean;
  reasoning?: boolean;
  tokens?: number;
  hang?: boolean;
  /** The model writes its tool call as text in this format (see text-tool.ts). */
  textTool?: TextToolFormat;
}

export type TextToolFormat = "qwen3" | "hermes" | "json";
const TEXT_TOOL_FORMATS: readonly string[] = ["qwen3", "hermes", "json"];

export interface ParsedModel {
  /** The model name with every marker removed (what `models` is checked against). */
  base: string;
  faults: Faults;
  /** True when at least one known marker was present: such names are always accepted. */
  hasMarker: boolean;
}

type Apply = (f: Faults, value: string) => void;

const MARKERS: Record<string, Apply> = {
  "slow-first": (f, v) => (f.slowFirstMs = toInt(v)),
  "stall-after-role": (f, v) => (f.stallAfterRoleMs = toInt(v)),
  "drop-after": (f, v) => (f.dropAfter = toInt(v)),
  error: (f, v) => (f.errorStatus = toInt(v)),
  "retry-after": (f, v) => (f.retryAfter = v),
  tools: (f) => (f.tools = true),
  "parallel-tools": (f) => (f.parallelTools = true),
  reasoning: (f) => (f.reasoning = true),
  tokens: (f, v) => (f.tokens = toInt(v)),
  hang: (f) => (f.hang = true),
  // An unknown format falls back to qwen3 rather than silently answering plain text.
  "text-tool": (f, v) => (f.textTool = (TEXT_TOOL_FORMATS.includes(v) ? v : "qwen3") as TextToolFormat),
};

function toInt(v: string): number {
  const n = Number.parseInt(v, 10);
  return Number.isFinite(n) && n >= 0 ? n : 0;
}

export function parseModel(model: string): ParsedModel {
  const faults: Faults = {};
  const rest: string[] = [];
  let hasMarker = false;
  for (const part of model.split("+")) {
    const colon = part.indexOf(":");
    const name = colon === -1 ? part : part.slice(0, colon);
    const apply = MARKERS[name];
    // "llama3:8b" has a colon too, so only names in the table are markers; a valued marker
    // (its apply takes a value argument) counts only with ":value", a flag marker either way.
    if (apply && (colon !== -1 || apply.length < 2)) {
      apply(faults, colon === -1 ? "" : part.slice(colon + 1));
      hasMarker = true;
    } else {
      rest.push(part);
    }
  }
  return { base: rest.join("+"), faults, hasMarker };
}
