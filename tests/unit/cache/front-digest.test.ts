// The fast key only finds candidates; the digest decides. Two requests made to share a fast key
// (an injected key function, as a crafted collision would) never follow each other's flight or
// read each other's entry, while a request of the same digest still does both.
import { afterEach, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { openCacheStore } from "../../../src/cache/open-store.ts";
import { responseCache, type LookupRequest } from "../../../src/cache/front.ts";
import type { KeyInput } from "../../../src/cache/key.ts";
import { PROTOCOLS } from "../../../src/protocol/apis.ts";
import type { CacheStore } from "../../../src/cache/store.ts";

const config = resolveConfig(
  parseConfigText(`[cache]\nbackend = "memory"\nmode = "always"\n`, "t.toml"),
  "t.toml",
  {},
  { dataDir: "/tmp/wf-front-digest" },
);
const stores: CacheStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** Every request gets the same fast key; its digest is its prompt. */
const colliding = (input: KeyInput) => ({ key: "same-fast-key", digest: () => `digest of ${JSON.stringify(input.body.messages)}` });

function setup() {
  const store = openCacheStore(config);
  stores.push(store);
  return responseCache(config, store, { keyOf: colliding });
}

const request = (prompt: string, signal = new AbortController().signal): LookupRequest => ({
  spec: PROTOCOLS.chat,
  route: { name: "gpu/m", alias: null },
  body: { model: "gpu/m", stream: false, temperature: 0, messages: [{ role: "user", content: prompt }] },
  headers: new Headers(),
  signal,
  namespace: "default",
});

const answer = (text: string) => ({
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
});

test("a request sharing a flight's fast key but not its digest leads its own; one with the digest follows", async () => {
  const cache = setup();
  const a = await cache.lookup(request("prompt A"));
  expect(a.kind).toBe("go");
  if (a.kind !== "go" || !a.lead) throw new Error("expected to lead");
  const same = await cache.lookup(request("prompt A"));
  expect(same.kind).toBe("follow");
  const other = await cache.lookup(request("prompt B"));
  expect(other.kind).toBe("go");
  expect(other.kind === "go" && other.lead !== null).toBe(true);
  a.lead.share(200, new Headers({ "content-type": "application/json" }), JSON.stringify(answer("A")));
  a.lead.finish(null);
  if (same.kind === "follow") expect((await same.head).text).toBe(JSON.stringify(answer("A")));
});

test("an entry under the same fast key is a hit only for the request whose digest it holds", async () => {
  const cache = setup();
  const a = await cache.lookup(request("prompt A"));
  if (a.kind !== "go" || !a.lead) throw new Error("expected to lead");
  a.lead.share(200, new Headers({ "content-type": "application/json" }), JSON.stringify(answer("A")));
  a.lead.finish({ stream: null, final: answer("A"), bytes: 100 });
  const hitA = await cache.lookup(request("prompt A"));
  expect(hitA.kind).toBe("hit");
  if (hitA.kind === "hit") expect(JSON.parse(hitA.final()).choices[0].message.content).toBe("A");
  const b = await cache.lookup(request("prompt B"));
  expect(b.kind).toBe("go");
  expect((await cache.store.get("same-fast-key", "default"))?.digest).toBe(`digest of ${JSON.stringify(request("prompt A").body.messages)}`);
});

test("a kept answer's digest is not taken on its path, and is taken even when the store skips the entry", async () => {
  const store = openCacheStore(config);
  stores.push(store);
  // A store that takes nothing (a full disk): only the hot tier keeps the entry.
  const skipping: CacheStore = { ...store, put: async () => {} };
  let taken = 0;
  const counted = (input: KeyInput) => ({ key: "k", digest: () => (taken++, `digest of ${JSON.stringify(input.body.messages)}`) });
  const cache = responseCache(config, skipping, { keyOf: counted });
  const a = await cache.lookup(request("prompt A"));
  if (a.kind !== "go" || !a.lead) throw new Error("expected to lead");
  a.lead.share(200, new Headers({ "content-type": "application/json" }), JSON.stringify(answer("A")));
  a.lead.finish({ stream: null, final: answer("A"), bytes: 100 });
  expect(taken).toBe(0);
  // Bounded wait: the key lets go of the request's strings once the digest is taken.
  for (let i = 0; i < 40 && taken === 0; i++) await Bun.sleep(50);
  expect(taken).toBe(1);
});
