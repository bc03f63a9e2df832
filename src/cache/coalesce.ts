// In-flight leaders and their followers, in this process. The first cacheable request for a
// key leads: it goes upstream with its own AbortController. Identical requests arriving while
// it runs follow: they wait for its response head, then read the same body from the first
// byte (tee.ts). The upstream is aborted only when every party has left, so a follower that
// disconnects, or even the leader's own client, never cuts the answer for the others.
//
// Followers get exactly what the leader got, errors included: if the upstream fails, N
// followers retrying it themselves would multiply the load on an upstream already failing.

import type { Tee } from "./tee.ts";

export interface Head {
  status: number;
  headers: Headers;
  /** The body as it streams, from the first byte; null for a whole (or no) body. */
  tee: Tee | null;
  /** A whole body, already known. */
  text: string | null;
}

export interface Party {
  /** This party stopped listening; safe to call more than once. */
  release(): void;
}

export class Flight {
  readonly controller = new AbortController();
  readonly head: Promise<Head>;
  private setHead!: (h: Head) => void;
  private interest = 0;
  private finished = false;

  constructor(private readonly onIdle: () => void) {
    this.head = new Promise<Head>((r) => (this.setHead = r));
  }

  resolve(h: Head): void {
    this.setHead(h);
  }

  /** The body is over (or there is none): nothing left to abort. */
  finish(): void {
    this.finished = true;
  }

  /** A party that listens until release() or until its request signal aborts. */
  join(signal: AbortSignal): Party {
    this.interest++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      signal.removeEventListener("abort", release);
      if (--this.interest === 0 && !this.finished) this.abandon();
    };
    if (signal.aborted) queueMicrotask(release);
    else signal.addEventListener("abort", release, { once: true });
    return { release };
  }

  private abandon(): void {
    this.onIdle();
    this.controller.abort(new DOMException("every client of this answer disconnected", "AbortError"));
    void this.head.then((h) => h.tee?.cancel());
  }
}

export class Flights {
  private readonly map = new Map<string, Flight>();

  get(key: string): Flight | undefined {
    return this.map.get(key);
  }

  /** A new flight under key; it leaves the map when it ends or everyone left. */
  start(key: string): Flight {
    const f: Flight = new Flight(() => this.end(key, f));
    this.map.set(key, f);
    return f;
  }

  end(key: string, f: Flight): void {
    if (this.map.get(key) === f) this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
