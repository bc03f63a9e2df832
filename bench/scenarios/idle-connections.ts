// Scenario: many idle keep-alive client connections (agents and editors that keep a socket
// open between turns). Each connection asks GET /v1/models once and then stays open; the
// server's RSS is read with all of them open. The count is scaled down, with a note, when the
// open-files limit (inherited by the server) would not allow it.
import { memoryMb, openFilesLimit } from "../proc-stat.ts";
import { holdMany, settled } from "../raw-http.ts";
import type { ServerProcess } from "../spawn-server.ts";

export interface IdleConnectionsResult {
  wanted: number;
  connections: number;
  /** Connections whose one request was answered. */
  answered: number;
  rssBeforeMb: number;
  rssOpenMb: number;
  note?: string;
}

/** Room left for the server's own files, the upstream sockets and the load generator's other sockets. */
const SPARE_FDS = 512;

export function scaledCount(wanted: number, limit: number): { count: number; note?: string } {
  if (wanted + SPARE_FDS <= limit) return { count: wanted };
  const count = Math.max(0, Math.floor(limit - SPARE_FDS));
  return { count, note: `scaled to ${count}: ulimit -n is ${limit}` };
}

/** Runs against a fresh server (its RSS is read as it is); the caller stops it. */
export async function runIdleConnections(server: ServerProcess, wanted: number): Promise<IdleConnectionsResult> {
  const { count, note } = scaledCount(wanted, openFilesLimit());
  const rssBeforeMb = memoryMb(server.pid);
  const port = Number(new URL(server.url).port);
  const conns = await holdMany(count, 500, { port, method: "GET", path: "/v1/models", marker: "\r\n\r\n" });
  try {
    const answered = await settled(conns, 10_000);
    await Bun.sleep(200); // let the server finish with the last answers before reading its RSS
    return { wanted, connections: conns.length, answered, rssBeforeMb, rssOpenMb: memoryMb(server.pid), note };
  } finally {
    for (const c of conns) c.close();
  }
}
