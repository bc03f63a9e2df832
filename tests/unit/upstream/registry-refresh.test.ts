// A model no list has makes the gateway ask the upstreams' /models again (the model may have
// been pulled a moment ago), but not once per request: a client stuck asking for a wrong name
// made every one of its requests a GET /models to every upstream, the cloud's included.
import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { resolveRoute } from "../../../src/router/resolve.ts";
import { MISS_REFRESH_MS, Registry } from "../../../src/upstream/registry.ts";

const BASE = "http://127.0.0.1:9"; // never dialled: every upstream's fetch is replaced

function setup() {
  const toml =
    `[[upstream]]\nname = "gpu"\nbase_url = "${BASE}/gpu/v1"\n` +
    `[[upstream]]\nname = "cloud"\nbase_url = "${BASE}/cloud/v1"\ntier = "cloud"\napi_key_env = "K"\n`;
  const config = resolveConfig(parseConfigText(toml, "test.toml"), "test.toml", { K: "sk-test" }, { host: "127.0.0.1", port: 0, dataDir: tmpdir() });
  let t = 1_000_000;
  const registry = new Registry(config, undefined, () => t);
  const lists: Record<string, string[]> = { gpu: ["qwen"], cloud: ["gpt-4o"] };
  const gets: string[] = [];
  for (const s of registry.list) {
    const name = s.config.name;
    s.fetch = async (url) => {
      gets.push(`${name} ${new URL(url).pathname}`);
      return Response.json({ object: "list", data: lists[name].map((id) => ({ id, object: "model" })) });
    };
  }
  return { config, registry, lists, gets, advance: (ms: number) => (t += ms) };
}

const missing = async (s: ReturnType<typeof setup>, model: string) => {
  const err = await resolveRoute(model, s.config, s.registry).then(
    () => null,
    (e) => e,
  );
  expect(err?.code).toBe("model_not_found");
};

describe("model lists refreshed for a model nobody lists", () => {
  test("a client repeating a wrong name gets its 404 each time, with one refresh per interval, not one per request", async () => {
    const s = setup();
    await s.registry.refresh();
    s.gets.length = 0;
    s.advance(MISS_REFRESH_MS);
    for (let i = 0; i < 30; i++) await missing(s, "gpt-5-nope");
    expect(s.gets.sort()).toEqual(["cloud /cloud/v1/models", "gpu /gpu/v1/models"]);
    s.advance(MISS_REFRESH_MS - 1);
    await missing(s, "gpt-5-nope");
    expect(s.gets.length).toBe(2);
    s.advance(1);
    await missing(s, "gpt-5-nope");
    expect(s.gets.length).toBe(4);
  });

  test("a model pulled a moment ago is found by the first request for it once the interval has passed", async () => {
    const s = setup();
    await s.registry.refresh();
    s.lists.gpu.push("qwen3-coder"); // `ollama pull` just finished
    s.advance(MISS_REFRESH_MS);
    const r = await resolveRoute("qwen3-coder", s.config, s.registry);
    expect(r.targets).toEqual([{ upstream: "gpu", model: "qwen3-coder" }]);
  });

  test("concurrent misses share the one refresh in flight", async () => {
    const s = setup();
    s.advance(MISS_REFRESH_MS);
    await Promise.all(Array.from({ length: 10 }, () => missing(s, "nope")));
    expect(s.gets.length).toBe(2);
  });

  test("a known model never triggers a refresh", async () => {
    const s = setup();
    await s.registry.refresh();
    s.gets.length = 0;
    s.advance(10 * MISS_REFRESH_MS);
    for (let i = 0; i < 5; i++) expect((await resolveRoute("qwen", s.config, s.registry)).targets[0].upstream).toBe("gpu");
    expect(s.gets).toEqual([]);
  });
});
