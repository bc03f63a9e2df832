// A chat tool call's argument text → the tool_use input Claude Code will run. It must be a
// JSON object: Claude Code fails the turn on JSON that does not parse at content_block_stop.
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The tool input to send, and its JSON text (the model's own bytes when they are already a valid object). */
export function toolInput(args: string): { input: Record<string, unknown>; json: string } {
  const text = args.trim();
  try {
    const v = JSON.parse(text) as unknown;
    if (isPlainObject(v)) return { input: v, json: text };
    if (typeof v === "string") {
      const inner = JSON.parse(v) as unknown;
      if (isPlainObject(inner)) return { input: inner, json: JSON.stringify(inner) };
    }
  } catch {
    // empty, cut short, or not JSON: fall through to {}
  }
  return { input: {}, json: "{}" };
}

/** Cheap test first: only text ending in "}" can be a whole object. */
export function isCompleteObject(args: string): boolean {
  if (!args.trimEnd().endsWith("}")) return false;
  try {
    return isPlainObject(JSON.parse(args));
  } catch {
    return false;
  }
}
