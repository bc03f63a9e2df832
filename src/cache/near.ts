// Near-duplicate matching (opt-in): two requests are "near" when everything except the
// conversation prose is exactly equal (the near key) and the prose differs only in case,
// spacing or sentence punctuation (SimHash within a small distance).
//
// The guard against near-but-wrong answers: "significant tokens" (anything with a digit,
// identifiers with `_` `.` `/` `-` or camelCase, operators, inline `code`, and every token
// of a code line) go into the near key as an exact, sorted multiset. A different number,
// file name, identifier or code line therefore changes the near key and can never match,
// whatever the SimHash distance. Only plain words are left to fuzzy matching.

import { canonicalValue, hashParts } from "./canonical.ts";
import { KEY_VERSION, semanticBody, type KeyInput } from "./key.ts";
import { PROTOCOLS, type Api } from "../protocol/apis.ts";

// Roles whose text is prose a person typed or read; tool outputs stay exact.
const PROSE_ROLES = new Set(["system", "developer", "user", "assistant"]);
const TEXT_PART_TYPES = new Set(["text", "input_text", "output_text"]);

/**
 * Visits each prose string of the conversation; `replace` (when given) rewrites it, which is
 * how the near key gets the body with the prose blanked out but its structure intact.
 */
function mapProse(api: Api, body: Record<string, unknown>, visit: (s: string) => string): Record<string, unknown> {
  const out = { ...body };
  const fields = PROTOCOLS[api].prompt;
  const turns = fields?.turns;
  if (turns !== undefined) {
    const v = body[turns];
    if (typeof v === "string" && fields?.textTurns) out[turns] = visit(v);
    else if (Array.isArray(v)) out[turns] = v.map((m) => mapMessage(m, visit));
  }
  const texts = fields?.texts;
  if (texts !== undefined) {
    const v = body[texts];
    if (typeof v === "string") out[texts] = visit(v);
    else if (Array.isArray(v)) out[texts] = v.map((p) => (typeof p === "string" ? visit(p) : p));
  }
  return out;
}

function mapMessage(m: unknown, visit: (s: string) => string): unknown {
  if (m === null || typeof m !== "object") return m;
  const msg = m as Record<string, unknown>;
  const isMessage = msg.type === undefined || msg.type === "message";
  if (!isMessage || typeof msg.role !== "string" || !PROSE_ROLES.has(msg.role)) return m;
  if (typeof msg.content === "string") return { ...msg, content: visit(msg.content) };
  if (!Array.isArray(msg.content)) return m;
  const content = msg.content.map((p) => {
    if (p === null || typeof p !== "object") return p;
    const part = p as Record<string, unknown>;
    return TEXT_PART_TYPES.has(part.type as string) && typeof part.text === "string" ? { ...part, text: visit(part.text) } : p;
  });
  return { ...msg, content };
}

export function proseTexts(api: Api, body: Record<string, unknown>): string[] {
  const texts: string[] = [];
  mapProse(api, body, (s) => (texts.push(s), s));
  return texts;
}

// Sentence punctuation that may be added or dropped without changing the request.
const EDGE_PUNCT = /^[.,!?;:…"'`“”‘’«»]+|[.,!?;:…"'`“”‘’«»]+$/g;

/** Normalised prose: NFKC, case folded, whitespace collapsed, edge punctuation dropped. */
export function nearText(api: Api, body: Record<string, unknown>): string {
  const words: string[] = [];
  for (const text of proseTexts(api, body)) {
    for (const raw of text.normalize("NFKC").toLowerCase().split(/\s+/)) {
      const w = raw.replace(EDGE_PUNCT, "");
      if (w !== "") words.push(w);
    }
  }
  return words.join(" ");
}

const CODE_LINE = /^(\t| {4})|[;{}]|[=!<>]=|=>|\s=\s/;
const SENTENCE_ONLY = /^[.,!?;:…"'`“”‘’«»]*$/;

function isSignificant(token: string): boolean {
  if (/\d/.test(token)) return true; // numbers, versions, ports, line numbers
  if (/[a-z][A-Z]/.test(token)) return true; // camelCase identifiers
  if (/[A-Za-z0-9][._/\\:@#$-][A-Za-z0-9]/.test(token)) return true; // file.ts, a_b, path/to, a::b
  if (/^_|_$/.test(token)) return true; // __init__, _private
  return !/[\p{L}\p{N}]/u.test(token) && !SENTENCE_ONLY.test(token); // operators: + - == =>
}

/** Tokens that must match exactly for a near hit, sorted (a multiset, order-free). */
export function significantTokens(api: Api, body: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const text of proseTexts(api, body)) {
    let fenced = false;
    for (const line of text.normalize("NFKC").split(/\r?\n/)) {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        out.push(line.trim());
        continue;
      }
      const code = fenced || CODE_LINE.test(line);
      // Inline `code` spans are exact too, whatever they contain.
      for (const span of line.matchAll(/`([^`]+)`/g)) out.push(`\`${span[1]}\``);
      for (const raw of line.split(/\s+/)) {
        const t = raw.replace(EDGE_PUNCT, "");
        if (t === "") continue;
        if (code || isSignificant(t)) out.push(t);
      }
    }
  }
  return out.sort();
}

/**
 * Exact key over everything except the prose (blanked, structure kept), plus the significant
 * tokens. Null for embeddings: a vector for different text is a different answer.
 */
export function nearKey(input: KeyInput): string | null {
  if (!PROTOCOLS[input.api].prompt) return null;
  const blanked = mapProse(input.api, semanticBody(input.api, input.body), () => "");
  const sig = significantTokens(input.api, input.body);
  return hashParts([`${KEY_VERSION}-near`, input.api, input.route, input.namespace, canonicalValue(blanked), sig]);
}
