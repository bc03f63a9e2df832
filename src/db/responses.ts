// Stored Responses conversations: what `store` keeps so a later `previous_response_id`
// (or GET /v1/responses/{id}) works even when the upstream speaks only chat and keeps
// nothing. Each row holds the whole conversation up to its turn, so a follow-up is one
// lookup, not a walk up the chain.
//
// Per OpenAI's reference, `store` defaults to true and `instructions` are not carried over
// from the previous response; only input and output items are.
import type { Database } from "bun:sqlite";
import type { OutputItem, ResponseObject } from "../protocol/responses.ts";

/** Until client keys exist every caller shares this namespace; the column is the seam. */
export const DEFAULT_NAMESPACE = "default";

export interface StoredResponse {
  /** The conversation up to and including this turn's input, as Responses input items. */
  input: unknown[];
  response: ResponseObject;
}

export class ResponseStore {
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  put(namespace: string, input: unknown[], response: ResponseObject): void {
    const t = this.now();
    // Expired rows go on the way in: one indexed delete, no timer to own.
    this.db.query("DELETE FROM stored_responses WHERE expires_at <= ?").run(t);
    this.db
      .query("INSERT OR REPLACE INTO stored_responses (namespace, id, created_at, expires_at, input, response) VALUES (?, ?, ?, ?, ?, ?)")
      .run(namespace, response.id, t, t + this.ttlMs, JSON.stringify(input), JSON.stringify(response));
  }

  get(namespace: string, id: string): StoredResponse | null {
    const row = this.db
      .query("SELECT input, response FROM stored_responses WHERE namespace = ? AND id = ? AND expires_at > ?")
      .get(namespace, id, this.now()) as { input: string; response: string } | null;
    if (!row) return null;
    return { input: JSON.parse(row.input) as unknown[], response: JSON.parse(row.response) as ResponseObject };
  }

  /** The input items a follow-up to `id` continues from: that turn's input, then its output. */
  history(namespace: string, id: string): unknown[] | null {
    const s = this.get(namespace, id);
    if (!s) return null;
    return [...s.input, ...s.response.output.flatMap(outputAsInput)];
  }
}

/** A string input is shorthand for one user message. */
export function inputItems(input: string | unknown[] | undefined): unknown[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [{ type: "message", role: "user", content: input }];
  return input;
}

/**
 * An output item as the input item that replays it. Our item ids are dropped: a Responses
 * upstream never saw them and would reject a reference to an unknown item. Reasoning is
 * dropped: there is no encrypted trace to resume, and chat templates disagree on raw ones.
 */
export function outputAsInput(item: OutputItem): unknown[] {
  switch (item.type) {
    case "message":
      return [{ type: "message", role: "assistant", content: item.content.map((c) => ({ type: "output_text", text: c.text })) }];
    case "function_call":
      return [
        {
          type: "function_call",
          call_id: item.call_id,
          name: item.name,
          arguments: item.arguments,
          ...(item.namespace ? { namespace: item.namespace } : {}),
        },
      ];
    case "custom_tool_call":
      return [
        {
          type: "custom_tool_call",
          call_id: item.call_id,
          name: item.name,
          input: item.input,
          ...(item.namespace ? { namespace: item.namespace } : {}),
        },
      ];
    default:
      return [];
  }
}
