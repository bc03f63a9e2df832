// GET /v1/responses/{id}: a response this gateway stored (store: true), from any upstream.
import type { Gateway } from "../gateway.ts";
import { GatewayError, errorResponse } from "../../protocol/errors.ts";
import { DEFAULT_NAMESPACE, ResponseStore } from "../../db/responses.ts";

export function responseGetHandler(gw: Gateway) {
  const store = new ResponseStore(gw.db, gw.config.responses.storeTtlMs);
  return function getResponse(id: string): Response {
    // Client keys will choose the namespace; until they exist everyone shares one.
    const found = store.get(DEFAULT_NAMESPACE, id);
    if (!found) {
      return errorResponse(new GatewayError("not_found", `No response found with id '${id}'.`, { param: "response_id", code: "not_found" }));
    }
    return Response.json(found.response);
  };
}
