// Incremental Server-Sent Events framing (WHATWG HTML §9.2.6), over bytes as they arrive.
// Events are split on blank lines without re-scanning what was already scanned, so a
// large stream costs O(n) and a chunk boundary anywhere (even inside "\r\n") is fine.

export interface SseEvent {
  event: string | undefined;
  data: string;
  /** The exact bytes of the event as received, blank-line terminator included. */
  raw: string;
}

export class SseParser {
  private buf = "";
  private scanFrom = 0;
  private readonly decoder = new TextDecoder();

  /** Feed bytes; returns the complete events now available. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.buf += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: SseEvent[] = [];
    let start = 0;
    let i = Math.max(this.scanFrom, 0);
    const buf = this.buf;
    // Jump from one line terminator to the next with indexOf (native) rather than looking at
    // every character: a batch of a few long events is scanned at memchr speed.
    let nextLf = buf.indexOf("\n", i);
    let nextCr = buf.indexOf("\r", i);
    while (i < buf.length) {
      if (nextLf !== -1 && nextLf < i) nextLf = buf.indexOf("\n", i);
      if (nextCr !== -1 && nextCr < i) nextCr = buf.indexOf("\r", i);
      const t = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (t === -1) {
        i = buf.length;
        break;
      }
      i = t;
      const c = buf.charCodeAt(i);
      if (c === 10 /* \n */ || c === 13 /* \r */) {
        // Find the end of this line terminator, then check for a second one.
        let j = i + 1;
        if (c === 13) {
          if (j >= buf.length) break; // "\r" at the end: wait to see if "\n" follows
          if (buf.charCodeAt(j) === 10) j++;
        }
        if (j >= buf.length) break;
        const d = buf.charCodeAt(j);
        if (d === 10 || d === 13) {
          let k = j + 1;
          if (d === 13) {
            if (k >= buf.length) break;
            if (buf.charCodeAt(k) === 10) k++;
          }
          const ev = parseBlock(buf.slice(start, i), buf.slice(start, k));
          if (ev) out.push(ev);
          start = k;
          i = k;
          continue;
        }
        i = j;
        continue;
      }
      i++;
    }
    if (start > 0) this.buf = buf.slice(start);
    this.scanFrom = i - start;
    return out;
  }

  /** Whatever was left without a terminating blank line (a stream cut mid-event). */
  rest(): string {
    return this.buf;
  }
}

// What a field's value is after "name:" (one optional space dropped), for the fast paths.
const fieldValue = (line: string, nameLength: number): string =>
  line.charCodeAt(nameLength + 1) === 32 ? line.slice(nameLength + 2) : line.slice(nameLength + 1);

function parseBlock(block: string, raw: string): SseEvent | null {
  // The two shapes nearly every event has — `data: …` alone (Chat Completions) and
  // `event: …` then `data: …` (Responses, Messages) — without splitting into lines: the
  // translator and the recorder parse every event of a stream.
  if (block.indexOf("\r") === -1) {
    const lf = block.indexOf("\n");
    if (lf === -1 && block.startsWith("data:")) return { event: undefined, data: fieldValue(block, 4), raw };
    if (lf !== -1 && block.indexOf("\n", lf + 1) === -1 && block.startsWith("event:") && block.startsWith("data:", lf + 1)) {
      return { event: fieldValue(block.slice(0, lf), 5), data: fieldValue(block.slice(lf + 1), 4), raw };
    }
  }
  return parseLines(block, raw);
}

function parseLines(block: string, raw: string): SseEvent | null {
  let event: string | undefined;
  let data: string | null = null;
  for (const line of block.split(/\r\n|\r|\n/)) {
    if (line === "" || line.charCodeAt(0) === 58 /* ':' comment */) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") data = data === null ? value : data + "\n" + value;
    else if (field === "event") event = value;
  }
  if (data === null && event === undefined) return null; // comment-only block (heartbeat)
  return { event, data: data ?? "", raw };
}

const wholeDecoder = new TextDecoder();

/** The events of bytes known to hold whole events only (each ends with its blank line). */
export function parseEvents(bytes: Uint8Array | string): SseEvent[] {
  const text = typeof bytes === "string" ? bytes : wholeDecoder.decode(bytes);
  const parser = new SseParser();
  const events = parser.push(text);
  // A final CR waits to see whether an LF follows; here nothing follows, so it ends the line.
  if (parser.rest().endsWith("\r")) {
    const last = parser.push("\n");
    for (const ev of last) events.push({ ...ev, raw: ev.raw.slice(0, -1) });
  }
  return events;
}

/** One event as SSE text. */
export function eventText(data: string, event?: string): string {
  return event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
}

const encoder = new TextEncoder();

/** Events as the exact bytes they arrived as. */
export function encodeEvents(events: SseEvent[]): Uint8Array {
  return encoder.encode(events.map((e) => e.raw).join(""));
}

export function encodeEvent(data: string, event?: string): Uint8Array {
  return encoder.encode(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}

/** An SSE comment line: ignored by every conforming client, keeps idle proxies from cutting us. */
export const HEARTBEAT = encoder.encode(": wayfront keep-alive\n\n");

/** The data of event i is `text.slice(spans[2 * i], spans[2 * i + 1])`. */
export interface DataSpans {
  text: string;
  spans: number[];
}

/**
 * The data of LF-terminated, one-line `data:` events (what parseEvents makes of them, one
 * optional space after the colon dropped); null when any event is anything else (a name,
 * several lines, a comment, CR line ends), which the general parser reads instead.
 */
export function plainDataSpans(text: string): number[] | null {
  if (text.indexOf("\r") !== -1) return null;
  const spans: number[] = [];
  for (let at = 0; at < text.length; ) {
    const lf = text.indexOf("\n", at);
    if (lf === -1 || text.charCodeAt(lf + 1) !== 10 || !text.startsWith("data:", at)) return null;
    spans.push(text.charCodeAt(at + 5) === 32 ? at + 6 : at + 5, lf);
    at = lf + 2;
  }
  return spans;
}
