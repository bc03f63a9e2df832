// Cloud budgets: spend per UTC day and per client key, kept in SQLite (so a restart does not
// reset them), checked before a request may go to a cloud target. Over a budget, cloud targets
// are skipped (local ones and the cache still serve); with nothing else left the answer is a
// 429 naming the budget and when it resets. With a shared Redis, spend is also added to
// per-day (all keys, and per key) and per-month counters there, which every instance reads
// (refresh, before the check); while Redis is down each instance goes by its own SQLite.
import type { Database } from "bun:sqlite";
import { GatewayError } from "../protocol/errors.ts";
import type { RedisCommands } from "../db/redis-connection.ts";
import { outageNotice } from "./limits.ts";

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const month = (t: number) => new Date(t).toISOString().slice(0, 7);

export interface BudgetLimits {
  cloudDailyUsd: number | null;
  cloudMonthlyUsd: number | null;
}

const DAY_KEEP_MS = 35 * 86_400_000;
const MONTH_KEEP_MS = 62 * 86_400_000;
/** What Redis said last is trusted this long (it is refreshed before every budgeted request). */
const FRESH_MS = 60_000;
const dayKey = (d: string) => `wayfront:spend:${d}`;
// Per key, one hash per day: one name to drop when the day is old.
const dayKeysKey = (d: string) => `wayfront:spend:${d}:keys`;
const monthKey = (m: string) => `wayfront:spend:${m}`;
// Each total's name, scored by when it may go.
const PERIODS = "wayfront:spend:periods";
// No totals carry a Redis TTL: under the eviction policy the README asks for (volatile-lru),
// Redis evicts only keys with one, so a full Redis drops cache entries, never what a budget
// has counted. Old totals are dropped here instead, by whichever add comes after they expire.
// KEYS: day, day's per-key hash, month, periods; ARGV: usd, client key, day's and month's
// drop time (ms), now (ms).
const ADD = `
local d = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
local k = redis.call('HINCRBYFLOAT', KEYS[2], ARGV[2], ARGV[1])
local m = redis.call('INCRBYFLOAT', KEYS[3], ARGV[1])
redis.call('ZADD', KEYS[4], 'NX', ARGV[3], KEYS[1])
redis.call('ZADD', KEYS[4], 'NX', ARGV[4], KEYS[3])
for _, old in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 64)) do
  redis.call('DEL', old, old .. ':keys')
  redis.call('ZREM', KEYS[4], old)
end
return {d, k, m}
`;
// KEYS: day, day's per-key hash, month; ARGV: client key ("" for none).
const READ = `
local k = false
if ARGV[1] ~= '' then k = redis.call('HGET', KEYS[2], ARGV[1]) end
return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[3]), k}
`;

/** The shared totals as Redis last gave them. */
interface Seen {
  at: number;
  day: string;
  total: number;
  month: number;
  keys: Map<string, number>;
}

export class CloudBudget {
  private seen: Seen | null = null;
  private readonly outage: ReturnType<typeof outageNotice>;
  /**
   * Spend the file would not take (a full disk, a card remounted read-only), by day and key:
   * counted by every check as if written, and written with the next add that can. Money spent
   * is never forgotten while the process lives, so a budget holds through the outage.
   */
  private readonly unsaved = new Map<string, { day: string; key: string; usd: number }>();
  private readonly writes: ReturnType<typeof outageNotice>;

  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
    private readonly shared: { redis: RedisCommands; onDown?: (err: unknown) => void; onUp?: () => void } | null = null,
    /** The file refused spend (said once), and took it again. */
    file: { onUnsaved?: (err: unknown) => void; onSaved?: () => void } = {},
  ) {
    this.outage = outageNotice(shared?.onDown ?? (() => {}), shared?.onUp);
    this.writes = outageNotice(file.onUnsaved ?? (() => {}), file.onSaved);
  }

  /** What `unsaved` holds for one day (one key, or all) or one month ("YYYY-MM" prefix). */
  private unsavedFor(period: string, key?: string): number {
    let sum = 0;
    for (const u of this.unsaved.values()) if (u.day.startsWith(period) && (key === undefined || u.key === key)) sum += u.usd;
    return sum;
  }

  /** USD spent on cloud targets today (UTC) by this key, or by everyone (key undefined). */
  spentToday(key?: string): number {
    const d = day(this.now());
    const row =
      key === undefined
        ? this.db.query<{ s: number | null }, [string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day = ?").get(d)
        : this.db.query<{ s: number | null }, [string, string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day = ? AND key = ?").get(d, key);
    const own = (row?.s ?? 0) + this.unsavedFor(d, key);
    const seen = this.fresh();
    if (!seen) return own;
    // This instance's own record can only be more than the shared one if Redis missed some of it.
    return Math.max(own, (key === undefined ? seen.total : seen.keys.get(key)) ?? 0);
  }

  spentThisMonth(): number {
    const row = this.db.query<{ s: number | null }, [string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day LIKE ?").get(`${month(this.now())}-%`);
    return Math.max((row?.s ?? 0) + this.unsavedFor(month(this.now())), this.fresh()?.month ?? 0);
  }

  add(key: string, usd: number): void {
    if (!(usd > 0)) return;
    const d = day(this.now());
    const id = `${d}\u0000${key}`;
    const u = this.unsaved.get(id) ?? { day: d, key, usd: 0 };
    u.usd += usd;
    this.unsaved.set(id, u);
    this.save();
    if (!this.shared) return;
    const t = this.now();
    const m = month(t);
    const dayEnds = new Date(`${d}T00:00:00Z`).getTime() + 86_400_000;
    const monthEnds = new Date(`${m}-01T00:00:00Z`).setUTCMonth(Number(m.slice(5)));
    const args = [String(usd), key, String(dayEnds + DAY_KEEP_MS), String(monthEnds + MONTH_KEEP_MS), String(t)];
    this.shared.redis
      .cmd("EVAL", [ADD, "4", dayKey(d), dayKeysKey(d), monthKey(m), PERIODS, ...args])
      .then((r: string[]) => {
        this.outage.ok();
        const seen = this.fresh();
        if (seen?.day !== d) return;
        seen.total = Number(r[0]);
        seen.keys.set(key, Number(r[1]));
        seen.month = Number(r[2]);
      })
      .catch((err) => this.outage.failed(err));
  }

  /** Writes what `unsaved` holds, all or nothing. */
  private save(): void {
    const insert = this.db.query(
      "INSERT INTO cloud_spend (day, key, usd) VALUES (?, ?, ?) ON CONFLICT(day, key) DO UPDATE SET usd = usd + excluded.usd",
    );
    try {
      this.db.transaction(() => {
        for (const u of this.unsaved.values()) insert.run(u.day, u.key, u.usd);
      })();
    } catch (err) {
      this.writes.failed(err);
      return;
    }
    this.unsaved.clear();
    this.writes.ok();
  }

  /** Read the shared totals (today's, this key's today, the month's) before a check; no-op without Redis. */
  async refresh(key?: string): Promise<void> {
    if (!this.shared) return;
    const t = this.now();
    const d = day(t);
    try {
      const r = (await this.shared.redis.cmd("EVAL", [READ, "3", dayKey(d), dayKeysKey(d), monthKey(month(t)), key ?? ""])) as (string | null)[];
      this.outage.ok();
      const keys = this.seen?.day === d ? this.seen.keys : new Map<string, number>();
      if (key !== undefined) keys.set(key, Number(r[2] ?? 0));
      this.seen = { at: t, day: d, total: Number(r[0] ?? 0), month: Number(r[1] ?? 0), keys };
    } catch (err) {
      this.outage.failed(err);
      this.seen = null;
    }
  }

  private fresh(): Seen | null {
    const t = this.now();
    const s = this.seen;
    return s && s.day === day(t) && t - s.at < FRESH_MS ? s : null;
  }

  /** Why cloud targets may not be used now, or null. */
  exceeded(limits: BudgetLimits, key: { name: string; dailyBudgetUsd: number | null } | null): GatewayError | null {
    const t = this.now();
    const tomorrow = new Date(`${day(t)}T00:00:00Z`).getTime() + 86_400_000;
    const d = new Date(t);
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    if (key?.dailyBudgetUsd != null && this.spentToday(key.name) >= key.dailyBudgetUsd) {
      return over(`the key \`${key.name}\`'s daily cloud budget of $${key.dailyBudgetUsd}`, tomorrow, t);
    }
    if (limits.cloudDailyUsd !== null && this.spentToday() >= limits.cloudDailyUsd) {
      return over(`the daily cloud budget of $${limits.cloudDailyUsd} ([budget] cloud_daily_usd)`, tomorrow, t);
    }
    if (limits.cloudMonthlyUsd !== null && this.spentThisMonth() >= limits.cloudMonthlyUsd) {
      return over(`the monthly cloud budget of $${limits.cloudMonthlyUsd} ([budget] cloud_monthly_usd)`, nextMonth, t);
    }
    return null;
  }
}

function over(which: string, resetsAt: number, now: number): GatewayError {
  const seconds = Math.max(1, Math.ceil((resetsAt - now) / 1000));
  return new GatewayError(
    "rate_limited",
    `Spending more on cloud models would pass ${which}; it resets at ${new Date(resetsAt).toISOString()}. Local models and the cache still answer.`,
    {
      code: "budget_exceeded",
      headers: { "retry-after": String(seconds) },
    },
  );
}
