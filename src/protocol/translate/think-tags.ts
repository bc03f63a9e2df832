// Splits streamed content into thinking and answer when a model writes its trace inline as
// `<think>…</think>` (Qwen3, DeepSeek-R1 and their distills when the server does not parse
// it into `reasoning_content`). Tags may be cut anywhere by chunk boundaries, so a tail
// that could still become a tag is held back until the next push.
//
// Only a `<think>` at the very start of the content (after whitespace) opens a trace: these
// models emit it first, and a later "<think>" is far more likely to be the answer talking
// about the tag than a trace.

export interface Segment {
  kind: "reasoning" | "text";
  text: string;
}

const OPEN = "<think>";
const CLOSE = "</think>";

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagAt(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (tag.startsWith(s.slice(s.length - n))) return n;
  }
  return 0;
}

export class ThinkTagSplitter {
  private state: "start" | "think" | "text" = "start";
  private held = "";
  /** The newline(s) models put after a tag are layout, not content. */
  private trimNext = false;

  /** Past any trace and its layout: push() now gives back whatever it gets, as text. */
  get passing(): boolean {
    return this.state === "text" && !this.trimNext;
  }

  push(chunk: string): Segment[] {
    const out: Segment[] = [];
    let buf = this.held + chunk;
    this.held = "";
    // Each pass either changes state or returns, and "text" always returns: at most 3 passes.
    for (let pass = 0; pass < 4; pass++) {
      if (this.trimNext) {
        buf = buf.trimStart();
        if (buf === "") return out;
        this.trimNext = false;
      }
      if (this.state === "start") {
        const t = buf.trimStart();
        if (t.startsWith(OPEN)) {
          this.state = "think";
          buf = t.slice(OPEN.length);
          this.trimNext = true;
          continue;
        }
        if (OPEN.startsWith(t)) {
          this.held = buf; // empty, whitespace, or a cut "<thi": wait for more
          return out;
        }
        this.state = "text";
        continue;
      }
      if (this.state === "think") {
        const end = buf.indexOf(CLOSE);
        if (end >= 0) {
          emit(out, "reasoning", buf.slice(0, end));
          buf = buf.slice(end + CLOSE.length);
          this.state = "text";
          this.trimNext = true;
          continue;
        }
        const keep = partialTagAt(buf, CLOSE);
        emit(out, "reasoning", buf.slice(0, buf.length - keep));
        this.held = buf.slice(buf.length - keep);
        return out;
      }
      emit(out, "text", buf);
      return out;
    }
    return out;
  }

  /** End of content: whatever was held is what it looked like (an unclosed trace stays reasoning). */
  flush(): Segment[] {
    const out: Segment[] = [];
    const rest = this.held;
    this.held = "";
    // Leading whitespace alone (common before a tool call) is not an answer.
    if (this.state === "think") emit(out, "reasoning", rest);
    else if (rest.trim() !== "") emit(out, "text", rest);
    return out;
  }
}

function emit(out: Segment[], kind: Segment["kind"], text: string): void {
  if (text === "") return;
  const last = out.at(-1);
  if (last?.kind === kind) last.text += text;
  else out.push({ kind, text });
}
