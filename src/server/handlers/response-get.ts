// GET /v1/responses/{id}: a response this gateway stored (store: true), from any upstream;
// else one a Responses-speaking upstream stored itself (a passthrough with store: true is
// kept by the upstream, not by us). Those are asked in config order, each with its own key
// (never the client's: the client's credentials are for this gateway); the first 200 wins.
// Only an id of the `resp_…` shape is looked up at all, and it goes upstream as one encoded
// path segment: `..`, `a/b` and the like would otherwise walk the upstream's URL elsewhere
// (`{base}/responses/..` is `{base}/`), fetched with the upstream's key and relayed.
import type { Gateway } from "../gateway.ts";
import { GatewayError, errorResponse } from "../../protocol/errors.ts";
import { DEFAULT_NAMESPACE } from "../../db/responses.ts";
import { authHeaders, type UpstreamState } from "../../upstream/registry.ts";
import { clientHeaders } from "../../upstream/headers.ts";
import { speaks } from "../../upstream/wire.ts";

/** One upstream's GET; a stored response is a small JSON object, so this bounds a hung one. */
const UPSTREAM_GET_TIMEOUT_MS = 10_000;

/** `resp_` then letters, digits, `_` and `-` (OpenAI's ids are `resp_` and 48 hex digits). */
const RESPONSE_ID = /^resp_[A-Za-z0-9_-]{1,250}$/;

/** Is this a response id worth looking up (in our store or upstream)? */
export function isResponseId(id: string): boolean {
  return RESPONSE_ID.test(id);
}

export function storedResponseEndpoint(gw: Gateway) {
  const store = gw.responses;
  return async function getResponse(id: string, namespace: string = DEFAULT_NAMESPACE): Promise<Response> {
    if (!isResponseId(id)) return notFound(id);
    // Each client key sees only its own stored responses (another key's id is a 404).
    const found = await store.get(namespace, id);
    if (found) return Response.json(found.response);
    for (const s of gw.registry.list) {
      if (!(await speaks(s, "responses"))) continue;
      const res = await fetchStored(s, id);
      if (res) return res;
    }
    return notFound(id);
  };
}

function notFound(id: string): Response {
  // The id is the client's own text; a long one is cut rather than echoed whole.
  const shown = id.length > 100 ? `${id.slice(0, 100)}…` : id;
  return errorResponse(new GatewayError("not_found", `No response found with id '${shown}'.`, { param: "response_id", code: "not_found" }));
}

/** The upstream's answer when it is a 200, else null (not there, refused, or unreachable: try the next). */
async function fetchStored(s: UpstreamState, id: string): Promise<Response | null> {
  try {
    // isResponseId has already ruled out ".", "/", "%" and the rest; encoding is belt and braces.
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
