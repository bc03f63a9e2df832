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

  /**
   * False when the turn is larger than responses.max_bytes: stored nowhere. Throws when the
   * local file would not take it (a full disk): the shared copy is written all the same, so
   * the conversation goes on from any instance, this one included.
   */
  put(namespace: string, input: unknown[], response: ResponseObject): boolean {
    let stored: boolean;
    try {
      stored = this.local.put(namespace, input, response);
    } catch (err) {
      this.share(namespace, input, response);
      throw err;
    }
    if (stored) this.share(namespace, input, response);
    return stored;
  }

  /** Off the response path: the local row already serves this instance. */
  private share(namespace: string, input: unknown[], response: ResponseObject): void {
    this.shared?.cmd("SET", [key(namespace, response.id), JSON.stringify({ input, response }), "PX", String(this.ttlMs)]).catch(this.onError);
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
    try {
      this.local.put(namespace, found.input, found.response); // the next turn is local
    } catch {
      // Only a shortcut: a local file that will not take it (full disk) leaves the copy in Redis.
    }
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
