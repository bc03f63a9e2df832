// Parse: the body, read within server.body_limit, checked by the protocol's lenient schema.
import type { Exchange } from "../exchange.ts";
import { parseBody } from "../../protocol/validate.ts";
import { readBody } from "../body.ts";

export async function parse(x: Exchange): Promise<void> {
  x.text = await readBody(x.request, x.config.server.bodyLimit);
  x.body = parseBody(x.spec, x.text);
}
