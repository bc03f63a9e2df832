// Config errors that name the cause: TOML syntax with line and column, durations and sizes
// with their accepted forms, targets as "upstream/model".
import { expect, test } from "bun:test";
import { ConfigError, parseConfigText } from "../../../src/config/load.ts";
import { tomlErrorPosition } from "../../../src/config/toml-position.ts";

const fail = (toml: string): string => {
  try {
    parseConfigText(toml, "w.toml");
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error("expected the config to be rejected");
};

test("a TOML syntax error names its line and column", () => {
  expect(fail(`[server]\nport = 4141\n[upstream\nname = "x"\n`)).toStartWith("w.toml:3:10: not valid TOML: Expected ']' to close a table header");
  expect(fail(`[server]\nhost = "127.0.0.1\n`)).toStartWith("w.toml:2:");
  expect(fail(`a = 1\nb = \n`)).toContain("w.toml:2:5: not valid TOML: Missing value after '='");
});

test("a multi-line array before the error does not move it", () => {
  const text = `[[upstream]]\nname = "gpu"\nbase_url = "http://h/v1"\nmodels = [\n  "a",\n  "b",\n]\ntier = \n`;
  const message = (() => {
    try {
      Bun.TOML.parse(text);
    } catch (e) {
      return (e as Error).message;
    }
    return "";
  })();
  expect(tomlErrorPosition(text, message)?.line).toBe(8);
});

test("a duration or size in the wrong form lists the accepted forms, not 'Expected union value'", () => {
  const d = fail(`[server]\nheartbeat = "5 minutes"\n`);
  expect(d).toContain("`server.heartbeat`: expected a duration: seconds as a number (`15`)");
  expect(d).toContain('"500ms", "15s", "2m"');
  expect(d).toContain('(got "5 minutes")');
  expect(d).not.toContain("union");
  const s = fail(`[server]\nbody_limit = "32 megs"\n`);
  expect(s).toContain("`server.body_limit`: expected a size:");
  expect(s).toContain('"32MiB"');
  expect(fail(`[routing]\ndeadline = -1\n`)).toContain("expected a duration");
});

test('a target without a slash says "upstream/model", not a regex', () => {
  const m = fail(`[models."gpt-5.2-codex"]\ntargets = ["qwen2.5-coder:14b"]\n`);
  expect(m).toContain('`models."gpt-5.2-codex".targets[0]`: expected "upstream/model"');
  expect(m).not.toContain("^[^/]");
});
