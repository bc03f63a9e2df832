// A fixed-capacity ring: the newest `capacity` values, oldest overwritten first. Used for the
// recent events and recent requests the status page shows, so memory stays bounded however
// long the gateway runs.
export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(Math.max(1, capacity));
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.items.length;
    if (this.count < this.items.length) this.count++;
  }

  get size(): number {
    return this.count;
  }

  /** Up to `limit` values, newest first. */
  newestFirst(limit = this.count): T[] {
    const out: T[] = [];
    const n = Math.min(limit, this.count);
    for (let i = 1; i <= n; i++) out.push(this.items[(this.next - i + this.items.length) % this.items.length] as T);
    return out;
  }
}
