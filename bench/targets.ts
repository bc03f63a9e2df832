// The servers most scenarios measure side by side, each its own process: direct (the
// reference upstream), floor (a bare proxy hop) and gateway (Wayfront from source with the
// passthrough config: routing, metrics and a log line per request on, cache at its default).
import { gatewayToml } from "./gateway-config.ts";
import { startSourceGateway } from "./gateways.ts";
import type { ReferenceOptions } from "./reference-upstream.ts";
import { spawnServer, type ServerProcess } from "./spawn-server.ts";

export const TARGET_NAMES = ["direct", "floor", "gateway"] as const;
export type TargetName = (typeof TARGET_NAMES)[number];
export type PerTarget<T> = Record<TargetName, T>;

export interface Targets {
  /** Base URLs without /v1. */
  urls: PerTarget<string>;
  pids: PerTarget<number>;
  stop(): Promise<void>;
}

export async function startTargets(ref: ReferenceOptions): Promise<Targets> {
  const started: ServerProcess[] = [];
  try {
    const upstream = await spawnServer("upstream", [String(ref.chunks), String(ref.chunkDelayMs)]);
    started.push(upstream);
    const [floor, gateway] = await Promise.all([
      spawnServer("floor-proxy", [upstream.url]),
      startSourceGateway(gatewayToml({ upstreamUrl: upstream.url })),
    ]);
    started.push(floor, gateway);
    return {
      urls: { direct: upstream.url, floor: floor.url, gateway: gateway.url },
      pids: { direct: upstream.pid, floor: floor.pid, gateway: gateway.pid },
      stop: () => stopAll(started),
    };
  } catch (err) {
    await stopAll(started);
    throw err;
  }
}

async function stopAll(procs: ServerProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => p.stop()));
}

/** The request every scenario sends: identical bytes to all targets. */
export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({ model, stream, messages: [{ role: "user", content: "Say hello." }] });
}
