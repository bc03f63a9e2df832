// Words for why an upstream could not be reached, from what fetch threw. The words reach
// clients, the status page and the log, so any URL in them is shown without credentials.
import { redactUrls } from "./url.ts";

const CAUSES: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running?)",
  ConnectionRefused: "connection refused (is the server running?)",
  ENOTFOUND: "host name not found",
  ECONNRESET: "connection reset",
  ConnectionClosed: "connection closed before a response",
  FailedToOpenSocket: "could not open a socket",
};

export function transportCause(err: unknown): string {
  const e = err as { code?: unknown; message?: string; name?: string } | null;
  // DOMException carries a numeric legacy `code`; only string codes name a transport error.
  const code = typeof e?.code === "string" ? e.code : "";
  if (e?.name === "TimeoutError") return "timed out";
  return redactUrls(CAUSES[code] || (code.startsWith("CERT") || code.includes("TLS") ? `TLS error (${code})` : null) || e?.message || String(err));
}
