import { describe, expect, test } from "bun:test";
import { admit, isLoopback, mayUse, presentedToken } from "../../../src/auth/admit.ts";
import type { ClientKey, KeyStore } from "../../../src/auth/key.ts";
import type { AuthConfig } from "../../../src/config/resolve.ts";

const laptop: ClientKey = { name: "laptop", models: ["coder"], rpm: null, tpm: null, dailyBudgetUsd: null, admin: false, namespace: "key:laptop" };

function store(keys: Record<string, ClientKey>): KeyStore & { touched: string[] } {
  const touched: string[] = [];
  return {
    touched,
    verify: async (t) => keys[t] ?? null,
    any: async () => Object.keys(keys).length > 0,
    touch: (n) => void touched.push(n),
  };
}
const auth = (mode: AuthConfig["mode"]): AuthConfig => ({ mode, staticKeys: [] });
const h = (o: Record<string, string> = {}) => new Headers(o);

describe("admit", () => {
  test("auto with no keys: this machine only, whatever key an SDK sends", async () => {
    const s = store({});
    expect(await admit({ headers: h({ authorization: "Bearer sk-local" }), remote: "127.0.0.1", auth: auth("auto"), store: s })).toEqual({
      ok: true,
      key: null,
    });
    expect((await admit({ headers: h(), remote: "::1", auth: auth("auto"), store: s })).ok).toBe(true);
    const remote = await admit({ headers: h({ authorization: "Bearer sk-x" }), remote: "192.0.2.7", auth: auth("auto"), store: s });
    expect(remote.ok).toBe(false);
    if (!remote.ok) {
      expect(remote.error.status).toBe(401);
      expect(remote.error.message).toContain("wayfront keys create");
    }
  });

  test("auto once a key exists, and keys: a live key is needed, from Bearer or x-api-key", async () => {
    const s = store({ "wf-good": laptop });
    for (const mode of ["auto", "keys"] as const) {
      const none = await admit({ headers: h(), remote: "127.0.0.1", auth: auth(mode), store: s });
      expect(!none.ok && none.error.code).toBe("missing_api_key");
      const wrong = await admit({ headers: h({ authorization: "Bearer wf-bad" }), remote: "127.0.0.1", auth: auth(mode), store: s });
      expect(!wrong.ok && wrong.error.code).toBe("invalid_api_key");
      expect(await admit({ headers: h({ authorization: "Bearer wf-good" }), remote: "192.0.2.7", auth: auth(mode), store: s })).toEqual({
        ok: true,
        key: laptop,
      });
      expect(await admit({ headers: h({ "x-api-key": "wf-good" }), remote: "192.0.2.7", auth: auth(mode), store: s })).toEqual({
        ok: true,
        key: laptop,
      });
    }
    expect(s.touched).toContain("laptop");
  });

  test("keys mode with no key at all refuses even this machine; off asks nobody", async () => {
    const none = await admit({ headers: h(), remote: "127.0.0.1", auth: auth("keys"), store: store({}) });
    expect(none.ok).toBe(false);
    expect(await admit({ headers: h(), remote: "192.0.2.7", auth: auth("off"), store: store({}) })).toEqual({ ok: true, key: null });
  });

  test("tokens, loopback addresses and model allowlists", () => {
    expect(presentedToken(h({ authorization: "bearer   wf-1  " }))).toBe("wf-1");
    expect(presentedToken(h({ authorization: "Basic abc" }))).toBeNull();
    expect(presentedToken(h({ "x-api-key": " wf-2 " }))).toBe("wf-2");
    for (const a of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]) expect(isLoopback(a)).toBe(true);
    for (const a of ["192.168.1.2", "10.0.0.1", "::ffff:10.0.0.1", "", null]) expect(isLoopback(a)).toBe(false);
    expect(mayUse(null, "anything")).toBe(true);
    expect(mayUse(laptop, "coder")).toBe(true);
    expect(mayUse(laptop, "gpu/qwen")).toBe(false);
  });
});
