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

/**
 * Index just past the first blank line in buf, or -1: the same rules as lastEventEnd, searched
 * from the front (a CR as the very last byte may still become a CRLF, so it ends nothing yet).
 */
export function firstEventEnd(buf: Uint8Array): number {
  const n = buf.length;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c !== LF && c !== CR) continue;
    // One terminator ends at j (CRLF counts as one); a blank line is a second one right after.
    const j = c === CR && buf[i + 1] === LF ? i + 1 : i;
    if (c === CR && j === i && i === n - 1) return -1;
    const k = j + 1;
    if (k >= n) return -1;
    const d = buf[k];
    if (d !== LF && d !== CR) {
      i = j;
      continue;
    }
    if (d === CR) {
      if (k === n - 1) return -1;
      return buf[k + 1] === LF ? k + 2 : k + 1;
    }
    return k + 1;
  }
  return -1;
}
