// What one target is sent: the client's body, model rewritten, usage asked for on chat streams.
import { describe, expect, test } from "bun:test";
import { tmpdir } from "node:os";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { Registry } from "../../../src/upstream/registry.ts";
import { DEFAULT_TRANSFORMS, prepare, requestUsage, rewriteModel, type Transform, type TransformContext } from "../../../src/router/transforms.ts";
import type { RequestTranslation } from "../../../src/protocol/translate/request.ts";

const config = resolveConfig(
  parseConfigText(`[[upstream]]\nname = "gpu"\nbase_url = "http://127.0.0.1:9/v1"\n`, "test.toml"),
  "test.toml",
  {},
  { host: "127.0.0.1", port: 0, dataDir: tmpdir() },
);
const upstream = new Registry(config).get("gpu")!;
const ctx = (o: Partial<TransformContext> = {}): TransformContext => ({
  api: "chat",
  target: { upstream: "gpu", model: "qwen" },
  upstream,
  stream: false,
  ...o,
});

describe("prepare", () => {
  test("starts from the client's bytes and the wire's path, then applies each transform in order", () => {
    const seen: string[] = [];
    const mark = (name: string): Transform => ({ name, apply: (p) => (seen.push(name), { ...p, body: p.body + name }) });
    const p = prepare(`{"model":"a"}`, "responses", [mark("x"), mark("y")], ctx({ api: "responses" }));
    expect(seen).toEqual(["x", "y"]);
    expect(p).toEqual({ wire: "responses", path: "/responses", body: `{"model":"a"}xy` });
  });

  test("DEFAULT_TRANSFORMS is rewrite-model then request-usage", () => {
    expect(DEFAULT_TRANSFORMS.map((t) => t.name)).toEqual(["rewrite-model", "request-usage"]);
  });
});

describe("rewriteModel", () => {
  test("replaces only the top-level model, every other byte kept", () => {
    const body = `{ "messages": [{"role":"user","content":"{\\"model\\":\\"x\\"}","model":"inner"}],\n  "model" : "alias", "temperature": 0.50 }`;
    const p = prepare(body, "chat", [rewriteModel], ctx());
    expect(p.body).toBe(body.replace(`"model" : "alias"`, `"model" : "qwen"`));
  });

  test("a body without a top-level model string is left as it is", () => {
    const body = `{"messages":[],"model":null}`;
    expect(prepare(body, "chat", [rewriteModel], ctx()).body).toBe(body);
  });
});

describe("requestUsage", () => {
  const run = (body: string, o: Partial<TransformContext> = {}, wire: "chat" | "responses" = "chat") =>
    prepare(body, wire, DEFAULT_TRANSFORMS, ctx(o));

  test("a chat stream gets stream_options.include_usage, marked to be stripped again", () => {
    const p = run(`{"model":"alias","stream":true,"messages":[]}`, { stream: true });
    expect(JSON.parse(p.body)).toEqual({ stream_options: { include_usage: true }, model: "qwen", stream: true, messages: [] });
    expect(p.stripUsage).toBe(true);
  });

  test("other stream_options are kept when include_usage is added", () => {
    const p = run(`{"model":"alias","stream":true,"stream_options":{"include_obfuscation":false}}`, { stream: true });
    expect(JSON.parse(p.body).stream_options).toEqual({ include_obfuscation: false, include_usage: true });
    expect(p.stripUsage).toBe(true);
  });

  test("a client that asked for usage itself keeps it: nothing to strip", () => {
    const body = `{"model":"alias","stream":true,"stream_options":{"include_usage":true}}`;
    const p = run(body, { stream: true });
    expect(p.body).toBe(body.replace(`"alias"`, `"qwen"`));
    expect(p.stripUsage).toBeUndefined();
  });

  test("no change for a non-stream request, a wire without usage requests, or a translated body", () => {
    const body = `{"model":"alias","stream":true}`;
    const rewritten = body.replace(`"alias"`, `"qwen"`);
    expect(run(body)).toEqual({ wire: "chat", path: "/chat/completions", body: rewritten });
    expect(run(body, { stream: true, api: "responses" }, "responses")).toEqual({ wire: "responses", path: "/responses", body: rewritten });
    const translated = requestUsage.apply(
      { wire: "chat", path: "/chat/completions", body, translation: {} as RequestTranslation },
      ctx({ stream: true }),
    );
    expect(translated.body).toBe(body);
    expect(translated.stripUsage).toBeUndefined();
  });
});
