// Canonical JSON for hashing: the same request, however a client spelled it, must give the
// same bytes. Object keys are sorted at every level (clients and SDKs order them freely);
// numbers go through JS's own Number→string, so 1, 1.0, 1e0 and 10e-1 (all parsed by
// JSON.parse to the same double) print as "1", and -0 prints as "0".
// Array order is kept: message and tool order is meaningful.

export function canonicalValue(value: unknown, long?: (s: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalValue(v, long));
  if (value !== null && typeof value === "object") {
    const src = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(src).sort()) {
      const v = src[k];
      // undefined never reaches the wire; treating it as absent keeps {a: undefined} == {}.
      if (v !== undefined) out[k] = canonicalValue(v, long);
    }
    return out;
  }
  if (typeof value === "number") {
    // Non-finite numbers cannot come from JSON; map them to a string so the hash stays total.
    return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : String(value);
  }
  // `long` (when given) stands in for long strings, and for any string that could be mistaken
  // for what it puts in their place (cache/key.ts).
  if (long && typeof value === "string" && (value.length > LONG_STRING || value.charCodeAt(0) === 0)) return long(value);
  return value;
}

/** Strings longer than this are hashed on their own rather than serialised into the key's text. */
export const LONG_STRING = 1024;

/** Hex SHA-256 over parts joined as a JSON array: no separator can be forged by a part. */
export function hashParts(parts: unknown[]): string {
  return sha256Hex(JSON.stringify(parts));
}

/** A 64-bit hash (xxHash3, a SimHash) as 16 hex digits; SQLite has no unsigned 64-bit integer. */
export const hex64 = (n: bigint): string => BigInt.asUintN(64, n).toString(16).padStart(16, "0");

/** Hex SHA-256 over the texts one after another. */
export function sha256Hex(...texts: string[]): string {
  if (texts.length === 1) return Bun.CryptoHasher.hash("sha256", texts[0]!, "hex");
  const hasher = new Bun.CryptoHasher("sha256");
  for (const t of texts) hasher.update(t);
  return hasher.digest("hex");
}
