// How deep a JSON text nests, found without parsing it. A body nested tens of thousands of
// levels deep parses fine, then overflows the stack of every recursive walk after
// JSON.parse (the cache key's canonical form, the fit estimate, the translator), so the
// parse stage refuses it first (server.max_json_depth). One pass, no recursion: `[` and `{`
// outside strings open a level, `]` and `}` close one; a string is skipped to its closing
// quote, a quote preceded by an odd number of backslashes being part of it (`"\""`, `"\\"`).
// Malformed text is not judged here: JSON.parse reports it.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/** True when `text` nests arrays and objects more than `max` levels deep (`{}` is one level). */
export function exceedsJsonDepth(text: string, max: number): boolean {
  // Every level costs at least one character, so a text this short cannot be deeper.
  if (text.length <= max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i + 1);
      if (i === -1) return false; // unterminated: JSON.parse says so
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** The index of the quote that closes a string whose content starts at `from`, or -1. */
function stringEnd(text: string, from: number): number {
  let at = from;
  for (;;) {
    const q = text.indexOf('"', at);
    if (q === -1) return -1;
    let slashes = 0;
    for (let k = q - 1; k >= from && text.charCodeAt(k) === BACKSLASH; k--) slashes++;
    if (slashes % 2 === 0) return q;
    at = q + 1;
  }
}
