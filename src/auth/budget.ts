// Cloud budgets: spend per UTC day and per client key, kept in SQLite (so a restart does not
// reset them), checked before a request may go to a cloud target. Over a budget, cloud targets
// are skipped (local ones and the cache still serve); with nothing else left the answer is a
// 429 naming the budget and when it resets.
import type { Database } from "bun:sqlite";
import { GatewayError } from "../protocol/errors.ts";

const day = (t: number) => new Date(t).toISOString().slice(0, 10);
const month = (t: number) => new Date(t).toISOString().slice(0, 7);

export interface BudgetLimits {
  cloudDailyUsd: number | null;
  cloudMonthlyUsd: number | null;
}

export class CloudBudget {
  constructor(
    private readonly db: Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** USD spent on cloud targets today (UTC) by this key, or by everyone (key undefined). */
  spentToday(key?: string): number {
    const d = day(this.now());
    const row =
      key === undefined
        ? this.db.query<{ s: number | null }, [string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day = ?").get(d)
        : this.db.query<{ s: number | null }, [string, string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day = ? AND key = ?").get(d, key);
    return row?.s ?? 0;
  }

  spentThisMonth(): number {
    const row = this.db.query<{ s: number | null }, [string]>("SELECT sum(usd) AS s FROM cloud_spend WHERE day LIKE ?").get(`${month(this.now())}-%`);
    return row?.s ?? 0;
  }

  add(key: string, usd: number): void {
    if (!(usd > 0)) return;
    this.db
      .query("INSERT INTO cloud_spend (day, key, usd) VALUES (?, ?, ?) ON CONFLICT(day, key) DO UPDATE SET usd = usd + excluded.usd")
      .run(day(this.now()), key, usd);
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
