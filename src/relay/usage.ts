// Token usage: ask chat streams for it (stream_options.include_usage), read it from
// answers and streams, and drop the usage chunk again when only we wanted it.

/**
 * The body with stream_options.include_usage = true. Inserted as text when the client set
 * no stream_options (the common case), so the rest of the body stays byte for byte.
 */
export function withUsageRequested(body: string): string {
  if (!body.includes('"stream_options"')) {
    const brace = body.indexOf("{");
    return brace === -1 ? body : body.slice(0, brace + 1) + '"stream_options":{"include_usage":true},' + body.slice(brace + 1);
  }
  try {
    const parsed = JSON.parse(body);
    if (parsed.stream_options?.include_usage === true) return body;
    parsed.stream_options = { ...parsed.stream_options, include_usage: true };
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}

export interface Usage {
  input: number;
  output: number;
}

const INPUT = /"(?:prompt_tokens|input_tokens)"\s*:\s*(\d+)/;
const OUTPUT = /"(?:completion_tokens|output_tokens)"\s*:\s*(\d+)/;

/** Token counts from a JSON answer or SSE text, or null if none is there. */
export function scanUsage(text: string): Usage | null {
  const i = INPUT.exec(text);
  const o = OUTPUT.exec(text);
  if (!i && !o) return null;
  return { input: i ? Number(i[1]) : 0, output: o ? Number(o[1]) : 0 };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Remove chat usage-only chunks (`"choices":[]` with usage) from whole SSE events. */
export function stripUsageChunks(events: Uint8Array): Uint8Array {
  const text = decoder.decode(events);
  if (!text.includes('"usage"')) return events;
  const kept = text.split(/(?<=\n\n)/).filter((ev) => !(ev.includes('"choices":[]') && /"usage"\s*:\s*\{/.test(ev)));
  return encoder.encode(kept.join(""));
}
