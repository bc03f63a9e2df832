// How every test upstream remembers what it was sent: method, path, lower-cased headers and
// the parsed JSON body (null when empty or not JSON).
import type { RecordedRequest } from "./upstream.ts";

export async function readJsonBody(req: Request): Promise<any> {
  const text = await req.text();
  if (text === "") return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** The record is pushed before the body is read, so a request that hangs is still seen. */
export async function recordRequest(req: Request, into: RecordedRequest[]): Promise<RecordedRequest> {
  const headers: Record<string, string> = {};
  for (const [k, v] of req.headers) headers[k.toLowerCase()] = v;
  const rec: RecordedRequest = { method: req.method, path: new URL(req.url).pathname, headers, body: null, aborted: false };
  into.push(rec);
  rec.body = await readJsonBody(req);
  return rec;
}
