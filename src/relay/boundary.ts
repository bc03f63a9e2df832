// Where the last complete SSE event in a byte chunk ends. The relay forwards whole events
// only, so a dropped upstream never leaves half an event on the client's side.

const LF = 10;
const CR = 13;

/**
 * Index just past the last blank line in buf, or -1. Lines end with LF, CR or CRLF (WHATWG
 * HTML, "Interpreting an event stream"), so a blank line is any line terminator right after
 * another: \n\n, \r\r, \r\n\r\n, \n\r\n, \r\n\n, \n\r. A CR at the very end may be the first
 * half of a CRLF still on its way, so it does not end an event yet, unless the stream is over.
 */
export function lastEventEnd(buf: Uint8Array, final = false): number {
  for (let i = buf.length - 1; i > 0; i--) {
    const c = buf[i];
    if (c !== LF && c !== CR) continue;
    if (c === CR && i === buf.length - 1 && !final) continue;
    // The terminator ending at i starts at `start` (CRLF counts as one).
    const start = c === LF && buf[i - 1] === CR ? i - 1 : i;
    if (start === 0) return -1;
    const before = buf[start - 1];
    if (before === LF || before === CR) return i + 1;
  }
  return -1;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
