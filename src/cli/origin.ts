// Whether a URL a client is configured with reaches this gateway: same scheme, host and
// port, with the loopback spellings taken as one (both doctors ask it).
export function sameOrigin(a: URL, b: URL): boolean {
  const host = (h: string) => (h === "localhost" || h === "[::1]" ? "127.0.0.1" : h);
  return a.protocol === b.protocol && host(a.hostname) === host(b.hostname) && a.port === b.port;
}
