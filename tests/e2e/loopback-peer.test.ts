// Who the peer is, when nobody asks the socket. A gateway listening on a loopback address knows
// every peer is this machine (server/app.ts skips the per-request getpeername); one listening
// anywhere else asks. What it listens on is fixed at start: a reload that writes a loopback
// host into the config must not make the LAN's peers pass as this machine (no keys: loopback
// only). The peer's address is stood in for by the server object the app is handed, so no test
// traffic leaves loopback.
import { expect, test } from "bun:test";
import { mockGateway } from "../helpers/mock-gateway.ts";
import { buildApp } from "../../src/server/app.ts";

const { gw } = mockGateway();

/** The app as built on the gateway's current config, answering as if its peer were `address`. */
function appWithPeer(address: string) {
  const app = buildApp(gw().gateway);
  let asked = 0;
  // Elysia hands its `server` to the handlers; here it is one whose every peer is `address`.
  Object.assign(app, {
    server: {
      requestIP: () => {
        asked++;
        return { address };
      },
      timeout() {},
    },
  });
  const chat = () =>
    app.handle(
      new Request("http://127.0.0.1/v1/chat/completions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpu/m", messages: [{ role: "user", content: "hi" }] }),
      }),
    );
  return { chat, asked: () => asked };
}

test("listening on loopback: the peer is this machine, and the socket is not asked", async () => {
  const a = appWithPeer("192.0.2.9");
  expect((await a.chat()).status).toBe(200);
  expect(a.asked()).toBe(0);
});

test("listening on all interfaces: the socket is asked; a reload to a loopback host changes nothing", async () => {
  const config = gw().gateway.config;
  try {
    gw().gateway.config = { ...config, server: { ...config.server, host: "0.0.0.0" } };
    const a = appWithPeer("192.0.2.9"); // built while listening "on 0.0.0.0"
    const refused = await a.chat();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("missing_api_key");
    expect(a.asked()).toBe(1);
    // The config now says 127.0.0.1 (a reload), the listener is still the one it was.
    gw().gateway.config = { ...config, server: { ...config.server, host: "127.0.0.1" } };
    expect((await a.chat()).status).toBe(401);
    const local = appWithPeer("127.0.0.1");
    expect((await local.chat()).status).toBe(200);
  } finally {
    gw().gateway.config = config;
  }
});
