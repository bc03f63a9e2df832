// The admin sign-in: a form for the status page when it is opened from another machine
// (a phone on the LAN). An admin key posted here opens a session cookie; see auth/admin.ts.
import type { Gateway } from "../gateway.ts";
import { AdminSessions } from "../../auth/admin.ts";
import { readBody } from "../body.ts";

const FORM_LIMIT = 16 * 1024;
const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The form; `problem` is shown above it after a failed attempt. */
export function signInPage(problem: string | null, status = 401): Response {
  const note = problem ? `<p class="problem">${escapeHtml(problem)}</p>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Wayfront: sign in</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
input{width:100%;box-sizing:border-box;padding:.6rem;font:inherit}button{margin-top:.8rem;padding:.6rem 1.2rem;font:inherit}.problem{color:#b00}</style></head>
<body><h1>Wayfront</h1><p>This status page is for the gateway's admins. Sign in with an admin key
(<code>wayfront keys create --name NAME --admin</code> on the gateway's machine).</p>${note}
<form method="post" action="/sign-in"><label for="key">Admin key</label><input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form></body></html>`;
  return new Response(html, { status, headers: HTML });
}

export function sessionsOf(gw: Gateway): AdminSessions {
  gw.sessions ??= new AdminSessions();
  return gw.sessions;
}

/** POST /sign-in: an admin key from the form → a session cookie and back to the page. */
export function signInEndpoint(gw: Gateway) {
  return async (request: Request): Promise<Response> => {
    let text: string;
    try {
      // A key is ~50 bytes: a form larger than this is not a sign-in.
      text = await readBody(request, FORM_LIMIT, gw.config.server.bodyTimeoutMs);
    } catch {
      return signInPage("That sign-in could not be read.", 400);
    }
    const form = new URLSearchParams(text);
    const token = form.get("key")?.trim() ?? "";
    const key = token && gw.keys ? await gw.keys.verify(token) : null;
    if (!key) return signInPage("That key is not valid (unknown, expired or revoked).");
    if (!key.admin) return signInPage(`The key \`${key.name}\` is not an admin key.`, 403);
    const { cookie } = sessionsOf(gw).open(key.name);
    return new Response(null, { status: 303, headers: { location: "/", "set-cookie": cookie, "cache-control": "no-store" } });
  };
}
