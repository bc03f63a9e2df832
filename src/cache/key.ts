// The exact cache key: which request fields decide the answer, and which are noise.
// Both lists are exported and a test checks they are disjoint and cover every field the
// protocol schemas know. A field in neither list (a vendor extension, a field newer than
// this file) is INCLUDED: hashing it can only cost a hit, while dropping a field that
// changes the answer would serve a wrong one.

import { canonicalValue, hex64, sha256Hex } from "./canonical.ts";

import { PROTOCOLS, type Api } from "../protocol/apis.ts";

/** Bump when the canonical form changes, so old rows simply stop matching. */
export const KEY_VERSION = "wf-cache-v3";

// Fields that change what the model answers (or its shape), and fields that never do, with
// the reason for each, live in each protocol's row (protocol/api/*.ts). `model` is never
// included: the caller passes the resolved route instead, so two aliases for one target
// share entries and one alias re-pointed to a new target does not.
const byApi = <T>(f: (api: Api) => T) => Object.fromEntries(Object.values(PROTOCOLS).map((p) => [p.api, f(p.api)])) as Record<Api, T>;

export const INCLUDED_FIELDS: Record<Api, readonly string[]> = byApi((a) => PROTOCOLS[a].keyFields);
export const EXCLUDED_FIELDS: Record<Api, readonly string[]> = byApi((a) => PROTOCOLS[a].keyExcluded);
const excludedSets = byApi((a) => new Set(PROTOCOLS[a].keyExcluded));

/** The request body with excluded fields removed, ready to hash (not yet canonical). */
export function semanticBody(api: Api, body: Record<string, unknown>): Record<string, unknown> {
  const excluded = excludedSets[api];
  const idsIn = PROTOCOLS[api].itemIdsIn;
  const views = PROTOCOLS[api].keyView;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (excluded.has(k)) continue;
    const view = views?.[k];
    out[k] = k === idsIn ? stripItemIds(v) : view ? view(v) : v;
  }
  return out;
}

// Items name themselves with `id`; that names, it does not change, the item.
function stripItemIds(input: unknown): unknown {
  if (!Array.isArray(input)) return input;
  return input.map((item) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return item;
    const { id: _id, ...rest } = item as Record<string, unknown>;
    return rest;
  });
}

export interface KeyInput {
  api: Api;
  /** The resolved alias or upstream/model, never the raw client model name. */
  route: string;
  /** Tenant: entries never cross namespaces. */
  namespace: string;
  body: Record<string, unknown>;
}

/**
 * A request's place in the cache. `key` finds entries and flights: a fast 64-bit hash of the
 * canonical text, so a miss (every new turn of an agent: a large body that has never been seen)
 * pays no cryptographic hash before going upstream — SHA-256 runs at about 1 GB/s on a small
 * server, 2 ms of a 2 MiB context. `digest` (SHA-256 over every byte of the same canonical form,
 * computed once, when first asked) is what makes an entry this request's: a hit or a flight is used only when its
 * digest matches, so a body crafted to collide with another's fast key can take its slot but
 * never be served in its place. Entries are stored with their digest, asked for only by a
 * candidate hit, the store's write and a follower.
 */
export interface CacheKey {
  key: string;
  digest(): string;
}

export function cacheKey(input: KeyInput): CacheKey {
  // The canonical form's text with each long string (a pasted file, a tool's output, an agent's
  // whole transcript in one message) replaced by a NUL-led token of its own fast hash: serialising
  // a long string scans it several times slower than hashing it (a 2 MiB context: ~2 ms vs 0.15).
  // The token can never be a client's string: any string that starts with NUL is tokenised too.
  const longs: string[] = [];
  const shape = JSON.stringify([
    KEY_VERSION,
    input.api,
    input.route,
    input.namespace,
    canonicalValue(semanticBody(input.api, input.body), (s) => (longs.push(s), `\u0000${hex64(Bun.hash.xxHash3(s))}${s.length.toString(36)}`)),
  ]);
  const key = `${hex64(Bun.hash.xxHash3(shape))}${shape.length.toString(36).padStart(6, "0")}`;
  // The digest covers every byte: the shape, then each long string self-delimited (delimited()),
  // in order. The shape is self-delimiting too and its tokens mark where each long string stood,
  // so the input maps back to exactly one canonical form. The strings are held only until it is
  // taken: an entry kept hot outlives its request.
  let unread: { shape: string; longs: string[] } | null = { shape, longs };
  let digest = "";
  return {
    key,
    digest() {
      if (unread !== null) {
        const { shape, longs } = unread;
        digest = longs.length === 0 ? sha256Hex(shape) : sha256Hex(shape, ...longs.flatMap(delimited));
        unread = null;
      }
      return digest;
    },
  };
}

/**
 * A long string as digest input that ends where it says: its length and then its text as it is
 * (no copy: JSON-quoting a 2 MiB context cost as much as hashing it), or, for a string that is
 * not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry and the hash would see as
 * U+FFFD, so two strings could read alike), its JSON text. The tag tells the two apart.
 */
function delimited(s: string): string[] {
  return s.isWellFormed() ? [`r${s.length}:`, s] : [`j${JSON.stringify(s)}`];
}
