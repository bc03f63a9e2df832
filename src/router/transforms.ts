// What is sent to one target, built by a list of named transforms applied in order (the
// idea of llama-swap's request filters): each looks at the target and the wire it speaks
// and changes the body only when it applies. The default list only rewrites `model` and,
// for a chat stream, asks for usage.
import type { Target } from "../config/resolve.ts";
import type { UpstreamState } from "../upstream/registry.ts";
import type { Api } from "../protocol/apis.ts";
import { API_PATH, PROTOCOLS } from "../protocol/apis.ts";
import type { RequestTranslation } from "../protocol/translate/request.ts";
import { rewriteModel as rewriteModelField } from "../protocol/model-field.ts";

export interface Prepared {
  /** The protocol the upstream gets (the client's, unless translated). */
  wire: Api;
  path: string;
  body: string;
  /** Set when the body was translated to another protocol: how to map the answer back. */
  translation?: RequestTranslation;
  /** We asked the upstream for a usage chunk the client didn't ask for: drop it on the way out. */
  stripUsage?: boolean;
}

export interface TransformContext {
  /** The client's protocol. */
  api: Api;
  target: Target;
  upstream: UpstreamState;
  /** The client asked for a stream. */
  stream: boolean;
  /** The model the client's body names, when known: a target of that very name needs no rewrite. */
  clientModel?: string;
}

export interface Transform {
  readonly name: string;
  apply(p: Prepared, c: TransformContext): Prepared;
}

/** The body as the client sent it, then each transform in turn. */
export function prepare(bodyText: string, wire: Api, transforms: readonly Transform[], c: TransformContext): Prepared {
  let p: Prepared = { wire, path: API_PATH[wire], body: bodyText };
  for (const t of transforms) p = t.apply(p, c);
  return p;
}

/** The one field a relay touches: `model`, as the target names it (STYLE: relay bytes). */
export const rewriteModel: Transform = {
  name: "rewrite-model",
  // The client's own name (no alias) leaves the body as sent, unscanned: a large agent context
  // is not walked to write back the value it already holds.
  apply: (p, c) => (c.clientModel === c.target.model && p.wire === c.api ? p : { ...p, body: rewriteModelField(p.body, c.target.model) ?? p.body }),
};

/** Chat streams are asked for usage so tokens can be counted; stripped again if the client didn't ask. */
export const requestUsage: Transform = {
  name: "request-usage",
  apply(p, c) {
    const ask = PROTOCOLS[p.wire].requestUsage;
    // A translated body asked for what its translator needs itself.
    if (!c.stream || !ask || p.translation) return p;
    const body = ask(p.body);
    return body === p.body ? p : { ...p, body, stripUsage: true };
  },
};

/** What a protocol keeps from local upstreams (Claude Code's per-request billing line defeats their prefix cache). */
export const localBody: Transform = {
  name: "local-body",
  apply(p, c) {
    const strip = PROTOCOLS[c.api].localBody;
    if (!strip || p.translation || c.upstream.config.tier !== "local") return p;
    const body = strip(p.body);
    return body === p.body ? p : { ...p, body };
  },
};

export const DEFAULT_TRANSFORMS: readonly Transform[] = [rewriteModel, requestUsage];
