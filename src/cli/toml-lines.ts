// Where a key sits in a TOML file, so a diagnosis can quote the exact line to change.
// Bun.TOML.parse gives values, not positions; this scans headers and `key =` lines only,
// which is all Codex's config uses.

/** The 1-based line and text of `key = …` in `[section]` (null = before any header). */
export function findLine(text: string, section: string | null, key: string): { line: number; text: string } | null {
  let current: string | null = null;
  const lines = text.split(/\r?\n/);
  const keyRe = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}["']?\\s*=`);
  for (let i = 0; i < lines.length; i++) {
    const header = /^\s*\[([^[\]]+)\]\s*(#.*)?$/.exec(lines[i]);
    if (header) {
      current = header[1]
        .split(".")
        .map((p) => p.trim().replace(/^["']|["']$/g, ""))
        .join(".");
      continue;
    }
    if (current === section && keyRe.test(lines[i])) return { line: i + 1, text: lines[i].trim() };
  }
  return null;
}
