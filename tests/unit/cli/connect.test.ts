import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { resolveConfig } from "../../../src/config/resolve.ts";
import { connectText, exampleModel, gatewayBase } from "../../../src/cli/connect.ts";
import { allSnippets, clientBaseUrl, codexSnippet, originFor } from "../../../src/status/snippets.ts";

const config = (toml: string, o = {}) => resolveConfig(parseConfigText(toml, "t.toml"), "t.toml", {}, o);
const TOML = `[[upstream]]\nname = "local"\nbase_url = "http://127.0.0.1:8080/v1"\n[models."coder"]\ntargets = ["local/qwen"]\n`;

describe("gateway URL for clients", () => {
  test("from host/port, with /v1; an unroutable listen address becomes loopback", () => {
    expect(gatewayBase(config(TOML, { host: "127.0.0.1", port: 5000 }))).toBe("http://127.0.0.1:5000/v1");
    expect(originFor("0.0.0.0", 4141)).toBe("http://127.0.0.1:4141");
    expect(originFor("::", 4141)).toBe("http://[::1]:4141");
  });

  test("--url wins, and gets /v1 once", () => {
    expect(gatewayBase(config(TOML), "https://gw.example.com/")).toBe("https://gw.example.com/v1");
    expect(clientBaseUrl("https://gw.example.com/v1")).toBe("https://gw.example.com/v1");
  });

  test("the example model is the first alias", () => {
    expect(exampleModel(config(TOML))).toBe("coder");
    expect(exampleModel(config(""))).toBe("your-model");
  });
});

describe("snippets", () => {
  test("the Codex block parses as TOML and names a Responses provider at the gateway", () => {
    const parsed = Bun.TOML.parse(codexSnippet("http://127.0.0.1:4141/v1", "coder").text) as any;
    expect(parsed.model_provider).toBe("wayfront");
    expect(parsed.model_providers.wayfront).toMatchObject({
      base_url: "http://127.0.0.1:4141/v1",
      env_key: "WAYFRONT_API_KEY",
      wire_api: "responses",
    });
    expect(parsed.profiles.wayfront).toEqual({ model_provider: "wayfront", model: "coder" });
  });

  test("`connect` lists every client; `connect codex` only Codex and its env", () => {
    const all = connectText(undefined, "http://h:1/v1", "coder");
    for (const title of ["Codex CLI", "OpenAI Python SDK", "OpenAI Node SDK", "Aider", "Cline", "Continue"]) expect(all).toContain(title);
    const codex = connectText("codex", "http://h:1/v1", "coder");
    expect(codex).toContain('base_url = "http://h:1/v1"');
    expect(codex).toContain("export WAYFRONT_API_KEY=");
    expect(codex).not.toContain("Aider");
    expect(() => connectText("emacs", "http://h:1/v1", "coder")).toThrow("unknown client");
    const claude = connectText("claude-code", "http://h:1/v1", "coder");
    expect(claude).toContain("export ANTHROPIC_BASE_URL=http://h:1 ");
    expect(claude).toContain("export ANTHROPIC_MODEL=coder");
    expect(claude).toContain("wayfront doctor claude-code");
  });

  test("every snippet carries the URL and the model", () => {
    for (const s of allSnippets("http://h:1/v1", "coder")) {
      if (s.title === "Codex CLI environment") continue;
      // Claude Code takes the host root and appends /v1/messages itself.
      expect(s.text).toContain(s.client === "claude-code" ? "ANTHROPIC_BASE_URL=http://h:1 " : "http://h:1/v1");
      if (s.client !== "env") expect(s.text).toContain("coder");
    }
  });
});
