// Answers that spilled while they streamed (cache/record.ts, cache/spill.ts), waiting to be
// assembled and stored: one at a time in the order they ended, a batch of payloads per turn,
// the next only once the store has taken the last. A burst of large cacheable answers ends
// together; assembled all at once, they would cost what spilling them saved, and hold the
// event loop for every other request meanwhile.
//
// An entry is never less visible for waiting here: a request for one (the next request of the
// same prompt, typically) has it assembled at once, ahead of the rest.

import type { CacheEntry } from "./store.ts";

export interface LateJob {
  /** Assembles the entry a step at a time; null at the end when it is not to be kept. */
  steps: Generator<void, CacheEntry | null>;
  /** Hands the entry to the store; resolves once the store has taken it (or failed to). */
  store(e: CacheEntry): Promise<void>;
  /** Heard once, when the job is over (stored, not kept, or replaced). */
  done(): void;
  /** Gives up the job without assembling it (its file removed). */
  discard(): void;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

class Waiting {
  /** The entry once assembled (null: not kept); undefined while assembling. */
  result: CacheEntry | null | undefined;
  /** Handed to the store (by the queue, or by drain() at shutdown): never twice. */
  stored = false;
  private assembled: Promise<CacheEntry | null> | null = null;
  private over = false;

  constructor(readonly job: LateJob) {}

  /** One step of the assembly; true once it is over. */
  step(): boolean {
    if (this.result !== undefined) return true;
    try {
      const r = this.job.steps.next();
      if (!r.done) return false;
      this.result = r.value;
    } catch {
      this.result = null; // a cache: an answer that cannot be assembled is not kept
    }
    return true;
  }

  /** Assembled a step per turn; the same promise for everyone who asks. */
  entry(): Promise<CacheEntry | null> {
    this.assembled ??= (async () => {
      while (!this.step()) await nextTurn();
      return this.result ?? null;
    })();
    return this.assembled;
  }

  end(): void {
    if (this.over) return;
    this.over = true;
    this.job.done();
  }
}

export class LateEntries {
  private readonly waiting = new Map<string, Waiting>();
  private pumping = false;

  get size(): number {
    return this.waiting.size;
  }

  /** Queues a job under its entry's slot (namespace and key); a job already there is given up. */
  add(slot: string, job: LateJob): void {
    const old = this.waiting.get(slot);
    if (old) {
      this.waiting.delete(slot);
      old.job.discard();
      old.end();
    }
    this.waiting.set(slot, new Waiting(job));
    this.pump();
  }

  /** The entry waiting under this slot, assembled now; null when none waits. */
  get(slot: string): Promise<CacheEntry | null> | null {
    return this.waiting.get(slot)?.entry() ?? null;
  }

  /** Assembles and hands to the store everything still waiting, now (at shutdown, before the store closes). */
  drain(): void {
    for (const [slot, w] of this.waiting) {
      while (!w.step());
      this.finish(slot, w);
    }
  }

  /** Drops everything waiting (the cache was cleared). */
  clear(): void {
    for (const w of this.waiting.values()) {
      w.job.discard();
      w.end();
    }
    this.waiting.clear();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void (async () => {
      try {
        for (let next = this.first(); next; next = this.first()) {
          const [slot, w] = next;
          await w.entry();
          await this.finish(slot, w);
        }
      } finally {
        this.pumping = false;
      }
    })();
  }

  private first(): [string, Waiting] | undefined {
    return this.waiting.entries().next().value;
  }

  /** Stores an assembled entry once; it stays findable here until the store has it. */
  private async finish(slot: string, w: Waiting): Promise<void> {
    if (w.result === undefined || w.stored || this.waiting.get(slot) !== w) return;
    w.stored = true;
    const entry = w.result;
    try {
      if (entry) await w.job.store(entry).catch(() => {});
    } finally {
      if (this.waiting.get(slot) === w) this.waiting.delete(slot);
      w.end();
    }
  }
}
