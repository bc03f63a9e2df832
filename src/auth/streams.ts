// Streams open at once per client key (a runaway agent loop that opens many): counted in this
// process, or, with the Redis backend, across every instance (one Lua script per opening, so two
// instances cannot both take the last slot). A count in Redis expires unless refreshed, so a
// crashed instance cannot hold slots for ever. Redis down: counted here, never unlimited.
import type { RedisCommands } from "../db/redis-connection.ts";

/** Where a slot was taken, so it is given back to the same place. */
export type Slot = "local" | "shared";

export interface StreamSlots {
  open(name: string, max: number): Promise<Slot | null>;
  close(name: string, slot: Slot): void;
}

export class LocalStreamSlots implements StreamSlots {
  private readonly open_ = new Map<string, number>();

  async open(name: string, max: number): Promise<Slot | null> {
    const n = this.open_.get(name) ?? 0;
    if (n >= max) return null;
    this.open_.set(name, n + 1);
    return "local";
  }

  close(name: string): void {
    const n = (this.open_.get(name) ?? 1) - 1;
    if (n > 0) this.open_.set(name, n);
    else this.open_.delete(name);
  }
}

// A stream longer than this refreshes nothing: its slot is forgotten after it (max_answer_duration's default).
const SLOT_TTL_MS = 30 * 60_000;
const OPEN = `local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n > tonumber(ARGV[1]) then redis.call('DECR', KEYS[1]) return 0 end
return 1`;

export class SharedStreamSlots implements StreamSlots {
  private readonly local = new LocalStreamSlots();
  private down = false;

  constructor(
    private readonly redis: RedisCommands,
    private readonly onDown: (err: unknown) => void = () => {},
  ) {}

  async open(name: string, max: number): Promise<Slot | null> {
    try {
      const ok = await this.redis.cmd("EVAL", [OPEN, "1", key(name), String(max), String(SLOT_TTL_MS)]);
      this.down = false;
      return Number(ok) === 1 ? "shared" : null;
    } catch (err) {
      if (!this.down) this.onDown(err);
      this.down = true;
      return this.local.open(name, max);
    }
  }

  close(name: string, slot: Slot): void {
    if (slot === "local") this.local.close(name);
    else this.redis.cmd("DECR", [key(name)]).catch(() => {});
  }
}

const key = (name: string) => `wayfront:streams:${name}`;
