// The exact cache key: which request fields decide the answer, and which are noise.
// Both lists are exported and a test checks they are disjoint and cover every field the
// protocol schemas know. A field in neither list (a vendor extension, a field newer than
// this file) is INCLUDED: hashing it can only cost a hit, while dropping a field that
// changes the answer would serve a wrong one.

import { canonicalValue, hashParts } from "./canonical.ts";

import { PROTOCOLS, type Api } from "../protocol/apis.ts";

/** Bump when the canonical form changes, so old rows simply stop matching. */
export const KEY_VERSION = "wf-cache-v1";

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

export function cacheKey(input: KeyInput): string {
  const body = canonicalValue(semanticBody(input.api, input.body));
  return hashParts([KEY_VERSION, input.api, input.route, input.namespace, body]);
}
