// Who may call. A request's key comes from `Authorization: Bearer` or `x-api-key`
// (Anthropic-style clients); the mode decides when one is needed:
//   off   → nobody is asked;
//   keys  → every API request needs a live key;
//   auto  → (the default) once any key exists, like `keys`; until then only this machine
//           (loopback clients) may call, whatever key an SDK sends (they insist on one).
import type { AuthConfig } from "../config/resolve.ts";
import { GatewayError } from "../protocol/errors.ts";
import type { ClientKey, KeyStore } from "./key.ts";

export type Admission = { ok: true; key: ClientKey | null } | { ok: false; error: GatewayError };

/** The token a client presented, if any. */
export function presentedToken(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = headers.get("x-api-key")?.trim();
  return x ? x : null;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string | null): boolean {
  if (!address) return false;
  const a = address.toLowerCase();
  return a === "::1" || a.startsWith("127.") || a.startsWith("::ffff:127.");
}

const CREATE_HINT = "create one with `wayfront keys create --name NAME` on the gateway's machine";

export async function admit(o: {
  headers: Headers;
  remote: string | null | (() => string | null);
  auth: AuthConfig;
  store: KeyStore | null;
}): Promise<Admission> {
  if (o.auth.mode === "off") return { ok: true, key: null };
  const keysExist = o.auth.staticKeys.length > 0 || (o.store ? await o.store.any() : false);
  if (o.auth.mode === "auto" && !keysExist) {
    if (isLoopback(typeof o.remote === "function" ? o.remote() : o.remote)) return { ok: true, key: null };
    return refuse("missing_api_key", `This gateway has no client keys yet, so it serves only its own machine; ${CREATE_HINT}.`);
  }
  const token = presentedToken(o.headers);
  if (!token) return refuse("missing_api_key", `This gateway needs a client key (Authorization: Bearer <key>, or x-api-key); ${CREATE_HINT}.`);
  const key = o.store ? await o.store.verify(token) : null;
  if (!key) return refuse("invalid_api_key", "The client key is not valid: unknown, expired or revoked.");
  o.store?.touch(key.name);
  return { ok: true, key };
}

function refuse(code: string, message: string): Admission {
  return { ok: false, error: new GatewayError("unauthorized", message, { code }) };
}

/** May this key use this model (an alias, a model name, or upstream/model)? */
export function mayUse(key: ClientKey | null, model: string, route?: string): boolean {
  if (!key?.models) return true;
  return key.models.includes(model) || (route !== undefined && key.models.includes(route));
}

export function modelNotAllowed(model: string): GatewayError {
  return new GatewayError("forbidden", `This client key may not use the model \`${model}\`.`, { param: "model", code: "model_not_allowed" });
}
