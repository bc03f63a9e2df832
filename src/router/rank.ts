// Orders the candidate targets for one request. Configured order is the operator's
// intent, so we change it as little as possible:
//   1. tiers: local before cloud, or cloud first when the request prefers cloud;
//   2. inside a tier, candidates serving the SAME model may swap places among
//      themselves: the warm one first (a cold local model costs seconds to load), then
//      the least loaded. Candidates of different models keep their configured slots.
// Everything else is stable (ties keep configured order).

export type Tier = "local" | "cloud";

export interface Candidate {
  upstream: string;
  model: string;
  tier: Tier;
  /** Does the upstream report the model loaded? undefined when it cannot tell. */
  loaded: boolean | undefined;
  /** When this upstream last served this model (ms timestamp), 0 if never. */
  lastServed: number;
  /** Requests in flight (and queued, if the caller counts them) on this upstream. */
  outstanding: number;
}

export function rank<C extends Candidate>(cands: readonly C[], prefer: Tier): C[] {
  const first = prefer === "cloud" ? "cloud" : "local";
  const out: C[] = [];
  for (const tier of [first, first === "local" ? "cloud" : "local"] as const) {
    out.push(...rankTier(cands.filter((c) => c.tier === tier)));
  }
  return out;
}

// Each same-model group is sorted, then written back into the slots the group occupied.
function rankTier<C extends Candidate>(tier: C[]): C[] {
  const groups = new Map<string, number[]>(); // model → indexes into `tier`
  tier.forEach((c, i) => {
    const g = groups.get(c.model);
    if (g) g.push(i);
    else groups.set(c.model, [i]);
  });
  const out = tier.slice();
  for (const slots of groups.values()) {
    if (slots.length < 2) continue;
    const members = slots.map((i) => tier[i]);
    const warmth = warmthOf(members);
    const order = members.map((c, k) => ({ c, k, w: warmth[k] })).sort((a, b) => b.w - a.w || a.c.outstanding - b.c.outstanding || a.k - b.k);
    for (const [k, slot] of slots.entries()) out[slot] = order[k].c;
  }
  return out;
}

// 1 for warm, 0 for cold. Warm = reports loaded. When nobody reports loaded (Ollama's
// /api/ps and llama-swap's /running exist, plain OpenAI-compatible servers have no such
// endpoint), the one that served the model most recently is probably still holding it,
// unless it explicitly says it is not loaded.
function warmthOf(members: Candidate[]): number[] {
  if (members.some((c) => c.loaded === true)) return members.map((c) => (c.loaded === true ? 1 : 0));
  let best = -1;
  members.forEach((c, k) => {
    if (c.loaded !== false && c.lastServed > 0 && (best < 0 || c.lastServed > members[best].lastServed)) best = k;
  });
  return members.map((_, k) => (k === best ? 1 : 0));
}
