import { expect, test } from "bun:test";
import { isLoopbackHost } from "../../../src/server/app.ts";

test("a listener on a loopback address is reachable from this machine only; any other may hear the LAN", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]", "::ffff:127.0.0.1"]) expect(isLoopbackHost(h)).toBe(true);
  for (const h of ["0.0.0.0", "::", "[::]", "192.168.1.20", "10.0.0.5", "gpu-box.local", ""]) expect(isLoopbackHost(h)).toBe(false);
});
