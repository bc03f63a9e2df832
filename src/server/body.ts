// Read a request body, refusing more than the limit without buffering it all first.
import { GatewayError } from "../protocol/errors.ts";

export async function readBody(req: Request, limit: number): Promise<string> {
  const tooLarge = () =>
    new GatewayError("body_too_large", `The request body is larger than this gateway's limit of ${limit} bytes (server.body_limit).`, {
      code: "request_too_large",
    });
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > limit) throw tooLarge();
  if (!req.body) return "";
  if (Number.isFinite(declared)) return await req.text(); // Bun enforces the declared length
  // Chunked upload: count as we go.
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    parts.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(parts));
}
