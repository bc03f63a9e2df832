// The keys of requests seen byte for byte before. The same text under the same protocol, route
// and namespace parses to the same body, so it has the same key and digest: a repeat (a cache
// hit, a client retrying a turn) skips the canonical walk and both hashes, which in the
// cache-hit profile cost about a quarter of the whole request. The text itself is kept and
// compared, so a body crafted to collide with another's hash gets its own key, never that one.
import type { CacheKey } from "./key.ts";

/** Texts longer than this are not kept: comparing them is no longer cheap, and they are rarely repeated whole. */
const MAX_TEXT = 256 * 1024;
const MAX_ENTRIES = 1024;
/** What the kept texts may hold together (a key holds about as much again until its digest is taken). */
const MAX_CHARS = 4 * 1024 * 1024;

interface Kept {
  text: string;
  key: CacheKey;
}

export class KeyMemo {
  // A Map iterates in insertion order: re-inserting on use makes its first entry the least recently used.
  private readonly kept = new Map<string, Kept>();
  private chars = 0;

  constructor(
    private readonly maxEntries = MAX_ENTRIES,
    private readonly maxChars = MAX_CHARS,
    /** The text's fast hash (a test gives one that collides). */
    private readonly hash: (text: string) => number | bigint = (t) => Bun.hash.xxHash3(t),
  ) {}

  /** The key of `text` under `scope` (protocol, route, namespace), made by `make` when not kept. */
  keyOf(scope: string, text: string, make: () => CacheKey): CacheKey {
    if (text.length > MAX_TEXT) return make();
    const id = `${scope}\u0000${this.hash(text).toString(36)}`;
    const found = this.kept.get(id);
    if (found && found.text === text) {
      this.kept.delete(id);
      this.kept.set(id, found);
      return found.key;
    }
    const key = make();
    if (found) this.drop(id, found);
    this.kept.set(id, { text, key });
    this.chars += text.length;
    while (this.kept.size > this.maxEntries || this.chars > this.maxChars) {
      const [oldest, entry] = this.kept.entries().next().value as [string, Kept];
      this.drop(oldest, entry);
    }
    return key;
  }

  /** Kept keys, for tests. */
  get size(): number {
    return this.kept.size;
  }

  private drop(id: string, entry: Kept): void {
    this.kept.delete(id);
    this.chars -= entry.text.length;
  }
}
