// A target that names a model its upstream does not list sends every request to the next
// target (often the paid cloud) after a useless 404. Found here, once the model lists are in,
// with the closest names the upstream does list: "did you mean qwen2.5-coder:14b?".
import type { Config } from "../config/resolve.ts";
import type { Registry } from "../upstream/registry.ts";
import { editDistance } from "../config/edit-distance.ts";

export interface Misroute {
  /** Where it is configured: the alias name. */
  alias: string;
  upstream: string;
  model: string;
  /** The closest names the upstream lists, best first. */
  suggestions: string[];
}

/** Every alias target whose upstream has a known model list without that model. */
export function misroutes(config: Pick<Config, "aliases">, registry: Pick<Registry, "get">): Misroute[] {
  const out: Misroute[] = [];
  for (const alias of config.aliases.values()) {
    for (const t of alias.targets) {
      const s = registry.get(t.upstream);
      // No list yet (unreachable, or never answered): nothing to judge by.
      if (!s || s.modelsAt === 0 || s.models.size === 0 || s.models.has(t.model)) continue;
      out.push({ alias: alias.name, upstream: t.upstream, model: t.model, suggestions: closest(t.model, [...s.models]) });
    }
  }
  return out;
}

export function describeMisroute(m: Misroute): string {
  const hint = m.suggestions.length ? `; did you mean ${m.suggestions.join(" or ")}?` : "";
  return `model "${m.alias}" → ${m.upstream}/${m.model}: \`${m.upstream}\` does not list \`${m.model}\`, so every request skips it${hint}`;
}

/** Up to three names within a small edit distance, or sharing the name before a tag (`qwen2.5-coder:`). */
export function closest(wanted: string, names: string[]): string[] {
  const base = (n: string) => n.split(":")[0].toLowerCase();
  const scored = names
    .map((n) => ({ n, d: editDistance(wanted.toLowerCase(), n.toLowerCase()), same: base(n) === base(wanted) }))
    .filter((x) => x.same || x.d <= Math.max(2, Math.floor(wanted.length / 4)))
    .sort((a, b) => Number(b.same) - Number(a.same) || a.d - b.d || a.n.localeCompare(b.n));
  return scored.slice(0, 3).map((x) => x.n);
}
