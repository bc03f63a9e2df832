// autocannon ships no types and we may not add @types packages; this declares only the
// part of its programmatic API the bench uses (autocannon 9: lib/run.js).
declare module "autocannon" {
  import type { EventEmitter } from "node:events";

  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    timeout?: number;
  }

  interface Histogram {
    average: number;
    p50: number;
    p99: number;
  }

  interface Result {
    requests: Histogram & { total: number };
    latency: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    duration: number;
  }

  /** The tracker emits "response" (client, statusCode, bytes, responseTimeMs) per response. */
  function autocannon(opts: Options, cb: (err: Error | null, result: Result) => void): EventEmitter & { stop(): void };
  export default autocannon;
  export type { Options, Result };
}
