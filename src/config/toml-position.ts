// Where in a TOML text Bun's parser gave up. Bun.TOML.parse (Bun 1.4) throws a SyntaxError
// whose message has no position, and whose `line`/`column` are those of the JavaScript call,
// not of the TOML. So the position is found by parsing prefixes: the error is on the first
// line whose prefix fails with the same message as the whole text (a same-message check, so a
// multi-line array or string that is merely cut short does not count).

export interface TomlPosition {
  line: number; // 1-based
  column: number; // 1-based
}

function failure(text: string): string | null {
  try {
    Bun.TOML.parse(text);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export function tomlErrorPosition(text: string, message: string): TomlPosition | null {
  const lines = text.split(/\r?\n/);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const end = offset + lines[i].length;
    // With its newline (an unclosed "[server" is only an error once the line ends).
    if (failure(text.slice(0, Math.min(text.length, end + 1))) === message) {
      return { line: i + 1, column: columnIn(text, offset, end, message) };
    }
    offset = end + (text[end] === "\r" ? 2 : 1);
  }
  return null;
}

/** The first column at which this line's prefix already fails the same way; else the line's end. */
function columnIn(text: string, start: number, end: number, message: string): number {
  for (let c = start + 1; c <= end; c++) if (failure(text.slice(0, c)) === message) return c - start;
  return end - start + 1;
}
