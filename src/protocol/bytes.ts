// Byte searches over SSE batches, so a batch is decoded only when it must be.

/** Does buf contain this ASCII text? */
export function includesAscii(buf: Uint8Array, text: string): boolean {
  const n = text.length;
  const first = text.charCodeAt(0);
  outer: for (let i = buf.indexOf(first); i !== -1 && i <= buf.length - n; i = buf.indexOf(first, i + 1)) {
    for (let j = 1; j < n; j++) if (buf[i + j] !== text.charCodeAt(j)) continue outer;
    return true;
  }
  return false;
}

const SPACE = new Set([32, 9, 10, 13]);

/** Does buf hold `"name":` followed by a string value (not null)? E.g. a finish_reason that is set. */
export function hasStringField(buf: Uint8Array, name: string): boolean {
  const key = `"${name}"`;
  const n = key.length;
  const first = key.charCodeAt(0);
  outer: for (let i = buf.indexOf(first); i !== -1 && i <= buf.length - n; i = buf.indexOf(first, i + 1)) {
    for (let j = 1; j < n; j++) if (buf[i + j] !== key.charCodeAt(j)) continue outer;
    let k = i + n;
    while (k < buf.length && SPACE.has(buf[k])) k++;
    if (buf[k] !== 58 /* : */) continue;
    k++;
    while (k < buf.length && SPACE.has(buf[k])) k++;
    if (buf[k] === 34 /* " */) return true;
  }
  return false;
}
