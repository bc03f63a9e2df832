// Where the last complete SSE event in a byte chunk ends. The relay forwards whole events
// only, so a dropped upstream never leaves half an event on the client's side.

/** Index just past the last blank line ("\n\n" or "\r\n\r\n") in buf, or -1. */
export function lastEventEnd(buf: Uint8Array): number {
  for (let i = buf.length - 1; i > 0; i--) {
    if (buf[i] !== 10) continue;
    if (buf[i - 1] === 10) return i + 1;
    if (buf[i - 1] === 13 && i >= 3 && buf[i - 2] === 10 && buf[i - 3] === 13) return i + 1;
  }
  return -1;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Does buf contain this ASCII text? A byte search, so a batch is decoded only when it must be. */
export function includesAscii(buf: Uint8Array, text: string): boolean {
  const n = text.length;
  const first = text.charCodeAt(0);
  outer: for (let i = buf.indexOf(first); i !== -1 && i <= buf.length - n; i = buf.indexOf(first, i + 1)) {
    for (let j = 1; j < n; j++) if (buf[i + j] !== text.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}
