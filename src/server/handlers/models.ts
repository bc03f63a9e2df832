// GET /v1/models and GET /v1/models/{id}: the aliases plus every model the upstreams serve.
import type { Gateway } from "../gateway.ts";
import type { ClientKey } from "../../auth/key.ts";
import { mayUse, modelNotAllowed } from "../../auth/admit.ts";
import { GatewayError, errorResponse } from "../../protocol/errors.ts";

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
    if (name === "*") continue; // the wildcard is a rule, not a model a client can pick
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

const json = (v: unknown) => new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });

export function listModelsEndpoint(gw: Gateway) {
  return async function models(key: ClientKey | null = null): Promise<Response> {
    // Before the first refresh has completed, wait for it so the first call isn't empty.
    if (gw.registry.list.some((s) => s.modelsAt === 0 && s.lastError === null)) await gw.registry.refresh();
    // A key limited to some models sees only those.
    return json({ object: "list", data: listModels(gw).filter((m) => mayUse(key, m.id)) });
  };
}

export function getModelEndpoint(gw: Gateway) {
  return async function model(id: string, key: ClientKey | null = null): Promise<Response> {
    if (!mayUse(key, id)) return errorResponse(modelNotAllowed(id));
    if (gw.registry.list.some((s) => s.modelsAt === 0 && s.lastError === null)) await gw.registry.refresh();
    const found = listModels(gw).find((m) => m.id === id);
    if (found) return json(found);
    const slash = id.indexOf("/");
    const up = slash > 0 ? gw.registry.get(id.slice(0, slash)) : undefined;
    if (up?.models.has(id.slice(slash + 1))) return json({ id, object: "model", created: 0, owned_by: up.config.name });
    return errorResponse(
      new GatewayError("model_not_found", `The model \`${id}\` does not exist on this gateway. List the models it serves with GET /v1/models.`, {
        param: "model",
        code: "model_not_found",
      }),
    );
  };
}
