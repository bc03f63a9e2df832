// Read the TOML file (or the embedded default), validate it, and name the key path of any error.
import { Errors } from "@sinclair/typebox/errors";
import { Check } from "@sinclair/typebox/value";
import { ConfigFile } from "./schema.ts";
import { embeddedConfigText } from "./defaults.ts";
import { editDistance } from "./edit-distance.ts";
import { tomlErrorPosition } from "./toml-position.ts";

// The file is checked once per start (and per reload), so by walking the schema (TypeBox's
// Check, the same rules as its compiled checker) rather than compiling it: the compile cost
// ~8 ms of a cold start and ~2.5 MiB of idle RSS, for one call.

export class ConfigError extends Error {}

export interface LoadedFile {
  raw: ConfigFile;
  /** The file path, or "(embedded default)". */
  source: string;
}

export async function loadConfigFile(path: string | undefined, env: Record<string, string | undefined>): Promise<LoadedFile> {
  if (!path) return { raw: parseConfigText(embeddedConfigText(env), "(embedded default)"), source: "(embedded default)" };
  const file = Bun.file(path);
  if (!(await file.exists())) throw new ConfigError(`config file not found: ${path}`);
  return { raw: parseConfigText(await file.text(), path), source: path };
}

export function parseConfigText(text: string, source: string): ConfigFile {
  let data: unknown;
  try {
    data = Bun.TOML.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = tomlErrorPosition(text, message);
    const where = at ? `:${at.line}:${at.column}` : "";
    throw new ConfigError(`${source}${where}: not valid TOML: ${message.replace(/^TOML Parse error: /, "")}`);
  }
  if (!Check(ConfigFile, data)) {
    const messages = [...Errors(ConfigFile, data)].slice(0, 20).map((e) => describe(e.path, explain(e.schema as Explained, e.message), e.value));
    // The union branches each report; keep the first message per key path.
    const seen = new Set<string>();
    const unique = messages.filter((m) => (seen.has(m.key) ? false : (seen.add(m.key), true)));
    throw new ConfigError(`${source}: invalid config:\n` + unique.map((m) => `  ${m.text}`).join("\n"));
  }
  return data;
}

type Explained = { anyOf?: { const?: unknown }[]; expected?: string };

/** A union of literals reads better as its choices, a duration as its accepted forms, than as "Expected union value". */
function explain(schema: Explained, message: string): string {
  if (schema.expected) return `expected ${schema.expected}`;
  const choices = schema.anyOf?.map((s) => s.const).filter((c) => c !== undefined);
  if (choices && choices.length === schema.anyOf!.length) return `expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`;
  return message;
}

/** "/upstream/0/tier" → "upstream[0].tier"; unknown keys are reported as such. */
function describe(path: string, message: string, value: unknown): { key: string; text: string } {
  const key =
    path
      .split("/")
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : /^[A-Za-z0-9_-]+$/.test(p) ? (acc ? `${acc}.${p}` : p) : `${acc}."${p}"`), "") ||
    "(top level)";
  if (message.includes("additional properties") || message === "Unexpected property") {
    return { key, text: `unknown key \`${key}\`${unknownKeyHint(path)}` };
  }
  return { key, text: `\`${key}\`: ${message} (got ${JSON.stringify(value)})` };
}

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; patternProperties?: Record<string, Schema> };

/** The keys the schema accepts in the object holding the key at this path. */
function keysBeside(path: string): string[] {
  const parts = path.split("/").filter(Boolean).slice(0, -1);
  let s: Schema | undefined = ConfigFile as unknown as Schema;
  for (const p of parts) {
    if (!s) return [];
    if (s.anyOf) s = s.anyOf.find((x) => x.type === "object" || x.type === "array");
    if (!s) return [];
    if (s.type === "array") s = s.items;
    else if (s.properties?.[p]) s = s.properties[p];
    else if (s.patternProperties) s = Object.values(s.patternProperties)[0];
    else return [];
  }
  if (s?.type === "array") s = s.items;
  return Object.keys(s?.properties ?? {});
}

/** Why a key is unknown, when a likely fix is known: a secret written inline, or a typo. */
function unknownKeyHint(path: string): string {
  const name = path.split("/").filter(Boolean).at(-1) ?? "";
  if (name === "api_key" || name === "key") {
    return ': secrets never go in the file; put the key in an environment variable and name it, e.g. api_key_env = "OPENAI_API_KEY"';
  }
  const near = keysBeside(path).filter((k) => editDistance(k, name) <= 2);
  return near.length ? `: did you mean ${near.map((k) => `\`${k}\``).join(" or ")}?` : "";
}
