// Stored Responses conversations: what `store` keeps so a later `previous_response_id`
// (or GET /v1/responses/{id}) works even when the upstream speaks only chat and keeps
// nothing. Each row holds the whole conversation up to its turn, so a follow-up is one
// lookup, not a walk up the chain.
//
// Per OpenAI's reference, `store` defaults to true and `instructions` are not carried over
// from the previous response; only input and output items are.
import type { Database } from "bun:sqlite";
import type { OutputItem, ResponseObject } from "../protocol/responses.ts";
import { UNBOUNDED_ROOM, type DiskRoom, freePageBytes } from "./disk-room.ts";

/** Until client keys exist every caller shares this namespace; the column is the seam. */
export const DEFAULT_NAMESPACE = "default";

export interface StoredResponse {
  /** The conversation up to and including this turn's input, as Responses input items. */
  input: unknown[];
  response: ResponseObject;
}

/** The size check and the oldest-first page: both read only the (created_at, bytes) index (migration 7). */
export const STORED_SIZE_SQL = {
  total: "SELECT coalesce(sum(bytes), 0) AS n FROM stored_responses",
  oldest: "SELECT namespace, id, bytes FROM stored_responses WHERE NOT (namespace = ? AND id = ?) ORDER BY created_at LIMIT 256",
};

/** Past the cap, the oldest rows go until the total is back under this share of it (not one row per put). */
const EVICT_TO = 0.9;

export class ResponseStore {
  private readonly now: () => number;
  private readonly maxBytes: number;
  /**
   * The rows' total size as far as this store knows: counted from the table when first needed,
   * when it passes the cap, and when another connection wrote the file since (SQLite's
   * data_version says so), and grown by each put in between. Expired rows deleted on the way in
   * are not taken off, so it errs high: the worst it does is count again early.
   */
  private total: number | null = null;
  private seenVersion = -1;
  private readonly disk: DiskRoom;

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    opts: { now?: () => number; maxBytes?: number; disk?: DiskRoom } = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    this.disk = opts.disk ?? UNBOUNDED_ROOM;
  }

  /** False when the turn alone is larger than the cap: it is not stored (a follow-up to it is a 404). */
  put(namespace: string, input: unknown[], response: ResponseObject): boolean {
    const t = this.now();
    const inputText = JSON.stringify(input);
    const responseText = JSON.stringify(response);
    const bytes = inputText.length + responseText.length;
    if (bytes > this.maxBytes) return false;
    // Expired rows go on the way in: one indexed delete, no timer to own. One transaction for
    // both: each of its own cost a WAL commit, and this runs as a streamed answer ends.
    this.db.exec("BEGIN");
    try {
      this.db.query("DELETE FROM stored_responses WHERE expires_at <= ?").run(t);
      this.db
        .query("INSERT OR REPLACE INTO stored_responses (namespace, id, created_at, expires_at, input, response, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .run(namespace, response.id, t, t + this.ttlMs, inputText, responseText, bytes);
      this.db.exec("COMMIT");
    } catch (err) {
      // SQLite may have rolled back already (a full disk): then there is nothing to undo.
      if (this.db.inTransaction) this.db.exec("ROLLBACK");
      throw err;
    }
    // A nearly full disk (db/disk-room.ts) caps the rows at what they hold plus what the disk
    // and the file's free pages can spare: each new turn then takes the oldest turns' place.
    const room = Math.max(0, this.disk.room());
    const cramped = room < bytes;
    if (Number.isFinite(this.maxBytes) || cramped) {
      const version = this.version();
      this.total = this.total === null || version !== this.seenVersion || cramped ? this.counted() : this.total + bytes;
      const cap = cramped ? Math.min(this.maxBytes, Math.max(0, this.total - bytes) + room + freePageBytes(this.db)) : this.maxBytes;
      if (this.total > cap) this.evict(namespace, response.id, cap);
      this.seenVersion = version;
    }
    this.disk.spent(bytes);
    return true;
  }

  /** Changes exactly when another connection committed to the file (not for this one's own writes). */
  private version(): number {
    return (this.db.query("PRAGMA data_version").get() as { data_version: number }).data_version;
  }

  /** The stored rows' total size. */
  private counted(): number {
    return (this.db.query(STORED_SIZE_SQL.total).get() as { n: number }).n;
  }

  /**
   * Oldest first, until the total is under EVICT_TO of `cap`; never the row just stored (it
   * fits on its own). At most one page of rows per put, so the work a request does here stays
   * bounded: a table far over the cap (a data dir from before the cap, or a lowered cap) comes
   * down over the next puts instead of in one long transaction on the event loop.
   */
  private evict(namespace: string, id: string, cap: number): void {
    let total = this.counted();
    const goal = cap * EVICT_TO;
    if (total > cap) {
      const page = this.db.query(STORED_SIZE_SQL.oldest).all(namespace, id) as { namespace: string; id: string; bytes: number }[];
      const drop = this.db.query("DELETE FROM stored_responses WHERE namespace = ? AND id = ?");
      this.db.transaction(() => {
        for (const r of page) {
          if (total <= goal) break;
          drop.run(r.namespace, r.id);
          total -= r.bytes;
        }
      })();
    }
    this.total = total;
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
