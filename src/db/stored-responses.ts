// Stored responses as the handlers see them: the local SQLite rows (db/responses.ts), plus,
// when several gateways share a Redis (cache.backend = "redis"), a copy there, so a
// `previous_response_id` or GET /v1/responses/{id} works on whichever instance the load
// balancer picks. Local first; Redis only on a local miss, and a Redis outage only means
// "not found elsewhere", never an error.
import type { ResponseObject } from "../protocol/responses.ts";
import type { RedisCommands } from "./redis-connection.ts";
import { outputAsInput, type ResponseStore, type StoredResponse } from "./responses.ts";

export class StoredResponses {
  constructor(
    private readonly local: ResponseStore,
    private readonly shared: RedisCommands | null,
    private readonly ttlMs: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** False when the turn is larger than responses.max_bytes: stored nowhere. */
  put(namespace: string, input: unknown[], response: ResponseObject): boolean {
    if (!this.local.put(namespace, input, response)) return false;
    if (!this.shared) return true;
    // Off the response path: the local row already serves this instance.
    this.shared.cmd("SET", [key(namespace, response.id), JSON.stringify({ input, response }), "PX", String(this.ttlMs)]).catch(this.onError);
    return true;
  }

  async get(namespace: string, id: string): Promise<StoredResponse | null> {
    const here = this.local.get(namespace, id);
    if (here || !this.shared) return here;
    let text: string | null;
    try {
      text = await this.shared.cmd("GET", [key(namespace, id)]);
    } catch (err) {
      this.onError(err);
      return null;
    }
    if (!text) return null;
    const found = JSON.parse(text) as StoredResponse;
    this.local.put(namespace, found.input, found.response); // the next turn is local
    return found;
  }

  /** The input items a follow-up to `id` continues from: that turn's input, then its output. */
  async history(namespace: string, id: string): Promise<unknown[] | null> {
    const s = await this.get(namespace, id);
    return s ? [...s.input, ...s.response.output.flatMap(outputAsInput)] : null;
  }

  close(): void {
    this.shared?.close();
  }
}

function key(namespace: string, id: string): string {
  return `wf:r:${namespace}:${id}`;
}
