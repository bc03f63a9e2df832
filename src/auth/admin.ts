// The admin surface (the status page, /status.json, /metrics): this machine freely; any other
// client only with an admin key, as a bearer token (Prometheus' `authorization` config, scripts)
// or, for the page on a phone, through a small sign-in form that sets a session cookie
// (HttpOnly: no script can read it; SameSite=Strict: no other site can send it).
import type { AuthConfig } from "../config/resolve.ts";
import { isLoopback, presentedToken } from "./admit.ts";
import type { KeyStore } from "./key.ts";

export const SESSION_COOKIE = "wf_session";
const SESSION_MS = 7 * 24 * 3_600_000;

export type AdminVerdict = "ok" | "sign-in" | "forbidden";

export class AdminSessions {
  private readonly sessions = new Map<string, { name: string; until: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  open(name: string): { token: string; cookie: string } {
    const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    this.sessions.set(token, { name, until: this.now() + SESSION_MS });
    return { token, cookie: `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}` };
  }

  valid(token: string | null): boolean {
    if (!token) return false;
    const s = this.sessions.get(token);
    if (!s) return false;
    if (s.until <= this.now()) {
      this.sessions.delete(token);
      return false;
    }
    return true;
  }
}

export function cookieOf(headers: Headers, name: string): string | null {
  for (const part of (headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** May this request read the admin surface? "sign-in": not yet (a remote client without an admin key or session). */
export async function adminAccess(o: {
  headers: Headers;
  remote: () => string | null;
  auth: AuthConfig;
  store: KeyStore | null;
  sessions: AdminSessions;
}): Promise<AdminVerdict> {
  if (o.auth.mode === "off" || isLoopback(o.remote())) return "ok";
  if (o.sessions.valid(cookieOf(o.headers, SESSION_COOKIE))) return "ok";
  const token = presentedToken(o.headers);
  if (!token) return "sign-in";
  const key = o.store ? await o.store.verify(token) : null;
  if (!key) return "sign-in";
  return key.admin ? "ok" : "forbidden";
}
