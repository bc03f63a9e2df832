// Cancelling one upstream attempt in plain JS. An AbortController and each listener on its
// signal are WebCore EventTarget objects, and on the passthrough path the attempt's controller
// and the HTTP client's listener on it cost about a quarter of what the client itself does
// (4–5 µs a request on the 2-core dev machine). An attempt needs far less: abort once, keep
// the reason, tell whoever is waiting. The line speaks the part of AbortSignal's interface
// that http1.ts uses, so that client takes either; Bun's fetch takes only a real signal, which
// `toSignal` builds on demand.

/** What http1.ts needs of an abort: an AbortSignal has it, and so does a line. */
export interface Abortable {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: "abort", fn: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", fn: () => void): void;
  throwIfAborted(): void;
}

export class AbortLine implements Abortable {
  aborted = false;
  reason: unknown = undefined;
  // Usually one waiter (the exchange in flight), rarely two (a connect in progress).
  private waiting: (() => void)[] | null = null;

  addEventListener(_type: "abort", fn: () => void): void {
    if (this.aborted) return; // as an AbortSignal: a listener added after the abort never runs
    if (this.waiting) this.waiting.push(fn);
    else this.waiting = [fn];
  }

  removeEventListener(_type: "abort", fn: () => void): void {
    const w = this.waiting;
    if (!w) return;
    const i = w.indexOf(fn);
    if (i !== -1) w.splice(i, 1);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown = new DOMException("The operation was aborted.", "AbortError")): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const w = this.waiting;
    this.waiting = null;
    if (w) for (const fn of w) fn();
  }

  /** An AbortSignal that follows this line (for Bun's fetch). */
  toSignal(): AbortSignal {
    const ctl = new AbortController();
    if (this.aborted) ctl.abort(this.reason);
    else this.addEventListener("abort", () => ctl.abort(this.reason));
    return ctl.signal;
  }
}

/** A fetch's init whose signal may also be a line: what every upstream fetcher takes (registry.ts). */
export type FetchInit = Omit<RequestInit, "signal"> & { signal?: AbortSignal | AbortLine | null };

/** The signal Bun's fetch can take. */
export function fetchSignal(s: AbortSignal | AbortLine | null | undefined): AbortSignal | null | undefined {
  return s instanceof AbortLine ? s.toSignal() : s;
}
