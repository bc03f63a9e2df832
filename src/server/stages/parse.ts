// Parse: the body, read within server.body_limit and server.body_timeout, refused when it
// nests deeper than server.max_json_depth (before anything recurses into it), then checked
// by the protocol's lenient schema.
import type { Exchange } from "../exchange.ts";
import { parseBody } from "../../protocol/validate.ts";
import { readBody } from "../body.ts";

export async function parse(x: Exchange): Promise<void> {
  const s = x.config.server;
  x.text = await readBody(x.request, s.bodyLimit, s.bodyTimeoutMs);
  x.body = parseBody(x.spec, x.text, s.maxJsonDepth);
}
