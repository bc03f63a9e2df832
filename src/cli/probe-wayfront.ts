// Is a Wayfront answering at this URL? `doctor` asks before it calls a base URL wrong: a user
// may run the gateway on another port than this config says (`--port 21001`), and that
// Codex set-up is right. /healthz answers without a key on every Wayfront; the `service`
// marker (and, on older versions, the x-wayfront-request-id header every answer carries)
// tells it from another server that happens to have a /healthz.

export type IsWayfront = (url: string) => Promise<boolean>;

export const probeWayfront: IsWayfront = async (url) => {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return false;
  }
  try {
    const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000), redirect: "manual" });
    const body = (await res.json().catch(() => null)) as { service?: unknown } | null;
    return res.ok && (body?.service === "wayfront" || res.headers.has("x-wayfront-request-id"));
  } catch {
    return false;
  }
};
