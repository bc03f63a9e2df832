// Bytes written straight into one buffer, for a batch made of many small pieces (a translated
// stream's delta events). Joining them as a string and encoding that cost more than the rest
// of the translation: the `+=` rope of a batch's events took JSC longer to flatten inside
// TextEncoder.encode than the events took to make.
const encoder = new TextEncoder();

/** The buffer a writer starts with, and the largest it keeps between batches. */
const START_BYTES = 64 * 1024;
const KEEP_BYTES = 1024 * 1024;

const QUOTE = 0x22;

export class ByteWriter {
  private buf = new Uint8Array(START_BYTES);
  private pos = 0;

  /** Room for `n` more bytes. */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A non-negative integer in decimal. */
  digits(n: number): void {
    let len = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
    this.room(len);
    const buf = this.buf;
    for (let i = this.pos + len - 1; i >= this.pos; i--) {
      buf[i] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    this.pos += len;
  }

  /** Any text, as UTF-8 (a lone surrogate as U+FFFD, as TextEncoder writes it). */
  text(s: string): void {
    this.room(s.length * 3);
    this.pos += encoder.encodeInto(s, this.buf.subarray(this.pos)).written;
  }

  /**
   * `s` as a JSON string literal. `plain`: the caller knows it holds nothing JSON.stringify
   * would escape, so it goes between quotes as it is; a short ASCII one (a token, the common
   * case) a character at a time, which costs less than a call into the encoder.
   */
  jsonString(s: string, plain: boolean): void {
    if (!plain) {
      this.text(JSON.stringify(s));
      return;
    }
    this.room(s.length * 3 + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = QUOTE;
    let i = 0;
    for (; i < s.length && i < 32; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos++] = c;
    }
    if (i < s.length) pos += encoder.encodeInto(i === 0 ? s : s.slice(i), buf.subarray(pos)).written;
    buf[pos++] = QUOTE;
    this.pos = pos;
  }

  /** What was written, in an array of its own; the writer starts again empty. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    if (this.buf.length > KEEP_BYTES) this.buf = new Uint8Array(START_BYTES);
    return out;
  }

  /** Empty again, whatever was written. */
  reset(): void {
    this.pos = 0;
  }

  get length(): number {
    return this.pos;
  }
}
