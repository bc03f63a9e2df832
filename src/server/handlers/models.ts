// GET /v1/models and GET /v1/models/{id}: the aliases plus every model the upstreams serve,
// in OpenAI's list shape, or in Anthropic's when the request carries `anthropic-version`
// (Claude Code's gateway model discovery).
import type { Gateway } from "../gateway.ts";
import type { ClientKey } from "../../auth/key.ts";
import { mayUse, modelNotAllowed } from "../../auth/admit.ts";
import { isPattern } from "../../router/resolve.ts";
import { ANTHROPIC_ERRORS, GatewayError, OPENAI_ERRORS, errorResponse } from "../../protocol/errors.ts";

interface ModelObject {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

function listModels(gw: Gateway): ModelObject[] {
  const out: ModelObject[] = [];
  const seen = new Set<string>();
  for (const name of gw.config.aliases.keys()) {
    if (isPattern(name)) continue; // "*" and "claude-*" are rules, not models a client can pick
    seen.add(name);
    out.push({ id: name, object: "model", created: 0, owned_by: "wayfront" });
  }
  for (const s of gw.registry.list) {
    for (const id of s.models) {
      if (seen.has(id)) continue;
      seen.add(id);
      out.push({ id, object: "model", created: 0, owned_by: s.config.demo ? "wayfront-demo (fake model)" : s.config.name });
    }
  }
  return out;
}

/** Anthropic's model object; `created_at` is RFC 3339, and nothing here knows a real date. */
function anthropicModel(m: ModelObject) {
  return { type: "model", id: m.id, display_name: m.id, created_at: "1970-01-01T00:00:00Z" };
}

const json = (v: unknown) => new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });

export function listModelsEndpoint(gw: Gateway) {
  return async function models(key: ClientKey | null = null, anthropic = false): Promise<Response> {
    // Before the first refresh has completed, wait for it so the first call isn't empty.
    if (gw.registry.list.some((s) => s.modelsAt === 0 && s.lastError === null)) await gw.registry.refresh();
    // A key limited to some models sees only those.
    const data = listModels(gw).filter((m) => mayUse(key, m.id));
    if (!anthropic) return json({ object: "list", data });
    return json({ data: data.map(anthropicModel), has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  };
}

export function getModelEndpoint(gw: Gateway) {
  return async function model(id: string, key: ClientKey | null = null, anthropic = false): Promise<Response> {
    const shape = anthropic ? ANTHROPIC_ERRORS : OPENAI_ERRORS;
    if (!mayUse(key, id)) return errorResponse(modelNotAllowed(id), undefined, shape);
    if (gw.registry.list.some((s) => s.modelsAt === 0 && s.lastError === null)) await gw.registry.refresh();
    const show = (m: ModelObject) => json(anthropic ? anthropicModel(m) : m);
    const found = listModels(gw).find((m) => m.id === id);
    if (found) return show(found);
    const slash = id.indexOf("/");
    const up = slash > 0 ? gw.registry.get(id.slice(0, slash)) : undefined;
    if (up?.models.has(id.slice(slash + 1))) return show({ id, object: "model", created: 0, owned_by: up.config.name });
    return errorResponse(
      new GatewayError("model_not_found", `The model \`${id}\` does not exist on this gateway. List the models it serves with GET /v1/models.`, {
        param: "model",
        code: "model_not_found",
      }),
      undefined,
      shape,
    );
  };
}
