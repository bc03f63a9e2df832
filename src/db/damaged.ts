// A data file SQLite cannot read: "file is not a database" (its header is gone) or "database
// disk image is malformed" (pages written half, as an SD card can on power loss). Not a
// failure any retry mends, and the file holds what cannot be made again (client keys, cloud
// spend), so the gateway never deletes it: it says which file, what it holds and what to do,
// at start-up, and once while serving (refusing, with a 503, what needs the damaged part).

/** SQLite's result codes for a damaged file, as bun:sqlite's SQLiteError names them. */
const DAMAGE_CODES = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);

export function isDamage(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === "string" && (DAMAGE_CODES.has(code) || DAMAGE_CODES.has(code.replace(/_[A-Z]+$/, "")));
}

/** What to do about it, for the start-up error, the event and the README alike. */
export function damageAdvice(path: string): string {
  return (
    `It holds the client keys, cloud spend, stored responses and the prompt cache. Stop Wayfront and restore it from a backup, ` +
    `or move it aside to start with an empty one (client keys must then be created again): mv "${path}" "${path}.damaged"`
  );
}

/** The start-up error for a data file that cannot be opened. */
export function damagedFileError(path: string, err: Error): Error {
  return new Error(`the data file ${path} is damaged (${err.message}). ${damageAdvice(path)}`);
}
