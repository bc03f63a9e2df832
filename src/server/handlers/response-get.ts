// GET /v1/responses/{id}: a response this gateway stored (store: true), from any upstream;
// else one a Responses-speaking upstream stored itself (a passthrough with store: true is
// kept by the upstream, not by us). Those are asked in config order, each with its own key
// (never the client's: the client's credentials are for this gateway); the first 200 wins.
import type { Gateway } from "../gateway.ts";
import { GatewayError, errorResponse } from "../../protocol/errors.ts";
import { DEFAULT_NAMESPACE } from "../../db/responses.ts";
import { authHeaders, type UpstreamState } from "../../upstream/registry.ts";
import { clientHeaders } from "../../upstream/headers.ts";
import { upstreamWire } from "../../upstream/wire.ts";

/** One upstream's GET; a stored response is a small JSON object, so this bounds a hung one. */
const UPSTREAM_GET_TIMEOUT_MS = 10_000;

export function storedResponseEndpoint(gw: Gateway) {
  const store = gw.responses;
  return async function getResponse(id: string): Promise<Response> {
    // Client keys will choose the namespace; until they exist everyone shares one.
    const found = await store.get(DEFAULT_NAMESPACE, id);
    if (found) return Response.json(found.response);
    for (const s of gw.registry.list) {
      if ((await upstreamWire(s)) !== "responses") continue;
      const res = await fetchStored(s, id);
      if (res) return res;
    }
    return errorResponse(new GatewayError("not_found", `No response found with id '${id}'.`, { param: "response_id", code: "not_found" }));
  };
}

/** The upstream's answer when it is a 200, else null (not there, refused, or unreachable: try the next). */
async function fetchStored(s: UpstreamState, id: string): Promise<Response | null> {
  try {
    const res = await s.fetch(`${s.config.baseUrl}/responses/${encodeURIComponent(id)}`, {
      method: "GET",
      headers: authHeaders(s.config),
      signal: AbortSignal.timeout(UPSTREAM_GET_TIMEOUT_MS),
      redirect: "manual",
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      return null;
    }
    // Read whole, so a body cut half-way counts as a miss rather than a broken answer.
    const text = await res.text();
    return new Response(text, { status: 200, headers: clientHeaders(res.headers, { "x-wayfront-upstream": s.config.name }) });
  } catch {
    return null;
  }
}
