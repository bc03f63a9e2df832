// A small JSON Schema check for the arguments of a tool call found in text, and the
// schema-guided reading of Qwen3-Coder's raw parameter text. Only the keywords that tell a
// usable call from a broken one are read: type (a name or a list, "integer" included),
// enum, const, required, properties, additionalProperties, items, and anyOf/oneOf/allOf.
// Anything else is ignored, and a `$ref` passes unchecked: resolving references is not
// worth it here, and a false "invalid" costs more than a false "valid" (the agent reports
// a bad call itself; a good call we refuse is printed instead of run).
type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Does `value` satisfy `schema` as far as the subset above can tell? */
export function conforms(schema: unknown, value: unknown): boolean {
  if (schema === false) return false;
  if (!isObject(schema) || "$ref" in schema) return true;
  if (schema.type !== undefined && !typeMatches(schema.type, value)) return false;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => sameJson(e, value))) return false;
  if ("const" in schema && !sameJson(schema.const, value)) return false;
  // oneOf is read as anyOf: branches that overlap (a common slip in hand-written schemas)
  // would otherwise reject values any reader of the schema would accept.
  for (const key of ["anyOf", "oneOf"]) {
    const branches = schema[key];
    if (Array.isArray(branches) && !branches.some((b) => conforms(b, value))) return false;
  }
  if (Array.isArray(schema.allOf) && !schema.allOf.every((b) => conforms(b, value))) return false;
  if (isObject(value)) return objectConforms(schema, value);
  if (Array.isArray(value)) return arrayConforms(schema, value);
  return true;
}

function typeMatches(type: unknown, value: unknown): boolean {
  const names = Array.isArray(type) ? type : [type];
  return names.some((t) => {
    switch (t) {
      case "string":
        return typeof value === "string";
      case "number":
        return typeof value === "number";
      case "integer":
        return Number.isInteger(value);
      case "boolean":
        return typeof value === "boolean";
      case "object":
        return isObject(value);
      case "array":
        return Array.isArray(value);
      case "null":
        return value === null;
      default:
        return true; // a type name we don't know is not evidence against the value
    }
  });
}

function objectConforms(schema: Schema, value: Record<string, unknown>): boolean {
  const props = isObject(schema.properties) ? schema.properties : {};
  if (Array.isArray(schema.required) && !schema.required.every((k) => typeof k !== "string" || Object.hasOwn(value, k))) return false;
  const extra = schema.additionalProperties;
  for (const [k, v] of Object.entries(value)) {
    if (Object.hasOwn(props, k)) {
      if (!conforms(props[k], v)) return false;
    } else if ("patternProperties" in schema) {
      // Keys matching a pattern are allowed even when additionalProperties is false; we don't
      // evaluate patterns, so we can't tell what is "additional".
    } else if (extra === false || (isObject(extra) && !conforms(extra, v))) return false;
  }
  return true;
}

function arrayConforms(schema: Schema, value: unknown[]): boolean {
  const items = schema.items;
  // Draft 4's tuple form lists one schema per position.
  if (Array.isArray(items)) return value.every((v, i) => i >= items.length || conforms(items[i], v));
  if (items === undefined) return true;
  return value.every((v) => conforms(items, v));
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

/** The schema of one named property of an object schema, if it says one. */
export function propertySchema(schema: unknown, name: string): unknown {
  if (!isObject(schema) || !isObject(schema.properties)) return undefined;
  return Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
}

/**
 * Qwen3-Coder writes every parameter as raw text; its template leaves typing to the reader
 * (vLLM's qwen3_coder parser converts by the tool's schema the same way). A property that
 * may be a string stays the text as written, so `"007"` or `true` typed into a command are
 * not reinterpreted. Other typed properties are JSON; without a type we try JSON and keep the
 * text when it is not. A typed value that fails to parse is kept as text, for the check to refuse.
 */
export function readParameter(raw: string, schema: unknown): unknown {
  const types = typesOf(schema);
  if (types?.includes("string")) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The type names a schema allows, through anyOf/oneOf; undefined when any branch is untyped. */
function typesOf(schema: unknown): string[] | undefined {
  if (!isObject(schema)) return undefined;
  if (typeof schema.type === "string") return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === "string");
  if ("const" in schema || Array.isArray(schema.enum)) {
    const values = Array.isArray(schema.enum) ? schema.enum : [schema.const];
    if (values.some((v) => typeof v === "string")) return ["string"];
  }
  const branches = [schema.anyOf, schema.oneOf].find(Array.isArray);
  if (!branches) return undefined;
  const all: string[] = [];
  for (const b of branches) {
    const t = typesOf(b);
    if (!t) return undefined;
    all.push(...t);
  }
  return all;
}
