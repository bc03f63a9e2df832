// The shapes of a tool call a model wrote into its answer text, and the cheap tests that tell,
// from the first bytes, whether held text can still become one. Each test answers "yes",
// "no" or "maybe" on a prefix, and "no" never turns back into "maybe" as text is added: that
// is what lets the scanner release text early and still agree with a scan of the whole answer.

/**
 * - `qwen3-coder`: Qwen3-Coder's `<tool_call><function=NAME><parameter=KEY>value</parameter>…`
 *   (its chat template; vLLM's `qwen3_coder` tool parser reads the same).
 * - `hermes`: `<tool_call>{"name": …, "arguments": …}</tool_call>` (Hermes 2 Pro, Qwen2.5).
 * - `json`: the whole answer is a bare JSON call (small models prompted with tool JSON).
 */
export type ToolCallFormat = "auto" | "qwen3-coder" | "hermes" | "json" | "off";

export interface OfferedTool {
  name: string;
  /** JSON Schema of the arguments object. */
  parameters?: unknown;
}

export interface TextToolCall {
  name: string;
  /** A JSON object's text, as a chat tool call carries it. */
  arguments: string;
}

export type Piece = { kind: "text"; text: string } | { kind: "call"; call: TextToolCall };

export interface ScanOptions {
  format: ToolCallFormat;
  tools: readonly OfferedTool[];
  /** Most characters held for one undecided call before it is released as text. */
  holdLimit?: number;
}

/** Offered tools by name; the first of two with one name wins, as a client would run that one. */
export type ToolIndex = ReadonlyMap<string, OfferedTool>;

export function indexTools(tools: readonly OfferedTool[]): ToolIndex {
  const m = new Map<string, OfferedTool>();
  for (const t of tools) if (!m.has(t.name)) m.set(t.name, t);
  return m;
}

export const OPEN = "<tool_call>";
export const CLOSE = "</tool_call>";
const FUNCTION = "<function=";

export type Verdict = "yes" | "no" | "maybe";

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
export function partialTagAt(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (tag.startsWith(s.slice(s.length - n))) return n;
  }
  return 0;
}

/**
 * Which parser reads what follows `<tool_call>` (`lead` has its whitespace trimmed). Under
 * "auto" the first byte decides: `<function=` is Qwen3-Coder's XML, `{` is Hermes JSON.
 * Prose such as "wrap it in <tool_call> tags" fails here at once and is not held.
 */
export function callBodyKind(lead: string, format: ToolCallFormat): "qwen3-coder" | "hermes" | "maybe" | "no" {
  if (lead === "") return "maybe";
  const qwen = format === "auto" || format === "qwen3-coder";
  const hermes = format === "auto" || format === "hermes";
  if (qwen && lead.startsWith(FUNCTION)) return "qwen3-coder";
  if (qwen && FUNCTION.startsWith(lead)) return "maybe";
  if (hermes && lead[0] === "{") return "hermes";
  return "no";
}

/** Where a whole-answer JSON call starts: after whitespace and an optional ```json fence. */
export function jsonAnswerStart(s: string): { verdict: Verdict; at: number; fenced: boolean } {
  const t = s.length - s.trimStart().length;
  const c = s[t];
  if (c === undefined) return { verdict: "maybe", at: 0, fenced: false };
  if (c === "{" || c === "[") return { verdict: "yes", at: t, fenced: false };
  if (c !== "`") return { verdict: "no", at: 0, fenced: false };
  const rest = s.slice(t);
  const fence = /^```(?:json)?\s*/i.exec(rest);
  if (!fence) return { verdict: "```json".startsWith(rest.toLowerCase()) ? "maybe" : "no", at: 0, fenced: true };
  const next = rest[fence[0].length];
  if (next === undefined) return { verdict: "maybe", at: 0, fenced: true };
  if (next === "{" || next === "[") return { verdict: "yes", at: t + fence[0].length, fenced: true };
  // "```js" is still on its way to "```json"; "```python" is not.
  return { verdict: "```json".startsWith(rest.toLowerCase()) ? "maybe" : "no", at: 0, fenced: true };
}

/** What may follow the JSON value of a whole-answer call: whitespace, and a closing fence if one opened. */
export function jsonAnswerTail(rest: string, fenced: boolean): Verdict {
  const t = rest.trim();
  if (t === "") return "yes";
  if (!fenced) return "no";
  if (t === "```") return "yes";
  return "```".startsWith(t) ? "maybe" : "no";
}

/**
 * Finds where a JSON value that starts at a bracket ends, fed piece by piece: it counts
 * brackets outside strings and does not check the grammar (JSON.parse does that once the
 * extent is known). Incremental so a long held value is not rescanned on every push.
 */
export class JsonExtent {
  private pos: number;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Index just past the value once it closed, else -1. */
  end = -1;

  constructor(start: number) {
    this.pos = start;
  }

  advance(s: string): number {
    for (; this.end < 0 && this.pos < s.length; this.pos++) {
      const c = s[this.pos];
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === "\\") this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === "{" || c === "[") this.depth++;
      else if ((c === "}" || c === "]") && --this.depth === 0) this.end = this.pos + 1;
    }
    return this.end;
  }
}
