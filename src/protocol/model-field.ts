// Rewrite the top-level "model" of a JSON body in place, leaving every other byte as the
// client sent it (key order, spacing, number spelling): the body reaches the upstream
// untouched except for the one field the route changes.

/** Returns the text with the top-level "model" string value replaced, or null if not found. */
export function rewriteModel(text: string, model: string): string | null {
  const span = findTopLevelString(text, "model");
  if (!span) return null;
  return text.slice(0, span[0]) + JSON.stringify(model) + text.slice(span[1]);
}

/** [start, end) of the JSON string value of a top-level key, quotes included. */
function findTopLevelString(text: string, key: string): [number, number] | null {
  let depth = 0;
  let i = 0;
  const n = text.length;
  let expectKey = false;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = skipString(text, i);
      if (depth === 1 && expectKey) {
        // A key at the top level: does it match, and is its value a string?
        let j = end;
        while (j < n && isSpace(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 58 /* : */ && text.slice(i + 1, end - 1) === key) {
          j++;
          while (j < n && isSpace(text.charCodeAt(j))) j++;
          if (text.charCodeAt(j) !== 34) return null;
          return [j, skipString(text, j)];
        }
        expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === 123 /* { */) {
      depth++;
      expectKey = depth === 1;
    } else if (c === 91 /* [ */) depth++;
    else if (c === 125 || c === 93) depth--;
    else if (c === 44 /* , */ && depth === 1) expectKey = true;
    i++;
  }
  return null;
}

function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 92 /* \ */) i += 2;
    else if (c === 34) return i + 1;
    else i++;
  }
  return i;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}
