// An open relay is a gateway anyone on the network can use to spend the cloud key: bound
// beyond loopback, with a cloud-tier upstream, and nobody asked who is calling (no client
// keys yet, or auth turned off). Wayfront refuses to start that way unless told --allow-open.
import type { Config } from "../config/resolve.ts";
import { isLoopback } from "./admit.ts";

/** Why starting this way would make an open relay, or null when it would not. */
export function openRelayProblem(config: Config, keysExist: boolean): string | null {
  const host = config.server.host;
  if (isLoopback(host) || host === "localhost") return null;
  const cloud = config.upstreams.filter((u) => u.tier === "cloud").map((u) => u.name);
  if (cloud.length === 0) return null;
  if (config.auth.mode !== "off" && keysExist) return null;
  const why = config.auth.mode === "off" ? 'auth mode is "off"' : "there are no client keys yet";
  return (
    `refusing to listen on ${host}: ${why}, and cloud upstream ${cloud.map((c) => `\`${c}\``).join(", ")} would be open to anyone who can reach this port. ` +
    "Create a client key first (`wayfront keys create --name NAME`), or bind to 127.0.0.1, or pass --allow-open if that is really what you want."
  );
}
