// One JSON line per request on stdout (pretty on a terminal). Never prompts, never keys:
// only the fields listed in RequestLog reach the log, and any URL in a line is written
// without its credentials (`http://user:pass@host` → `http://host`), whoever built the message.
import { fstatSync } from "node:fs";
import { redactUrls } from "../upstream/url.ts";

export interface RequestLog {
  id: string;
  method: string;
  path: string;
  status: number;
  ms: number;
  model?: string;
  route?: string;
  upstream?: string;
  attempts?: number;
  stream?: boolean;
  cache?: string;
  /** Why each failed attempt failed, "upstream/model: reason". */
  failures?: string[];
  /** The client key's name (never the key). */
  key?: string;
  error?: string;
}

type Level = "debug" | "info" | "warn" | "error";

// Lines come several per millisecond under load: the ISO time is formatted once per millisecond.
let stampMs = -1;
let stampText = "";
function stamp(): string {
  const now = Date.now();
  if (now !== stampMs) {
    stampMs = now;
    stampText = new Date(now).toISOString();
  }
  return stampText;
}
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Whether stdout is a terminal (where `format = "auto"` writes pretty lines): a character
 * device. Asked of the file itself, since process.stdout.isTTY builds the node stream that
 * stdoutLine avoids. /dev/null is one too; nobody reads what goes there.
 */
export function stdoutIsTerminal(): boolean {
  try {
    return fstatSync(1).isCharacterDevice();
  } catch {
    return false;
  }
}

// Bun's own stdout writer, not process.stdout: the first write to process.stdout builds a node
// stream, which cost a compiled binary about 10 ms and 8 MiB before its first log line. The
// lines of one turn of the event loop go out in one write, flushed as the turn ends: a write
// per line was a system call per request (under load, several requests end in one turn). A log
// that cannot be written (stdout closed) must not take the gateway down with it.
let sink: ReturnType<typeof Bun.stdout.writer> | null = null;
let flushQueued = false;
function stdoutLine(line: string): void {
  try {
    sink ??= Bun.stdout.writer();
    sink.write(`${line}\n`);
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(flushStdout);
    }
  } catch {
    // nowhere to say it
  }
}

/** Writes out the lines not yet flushed (the end of a turn, a shutdown, the process's exit). */
export function flushStdout(): void {
  flushQueued = false;
  try {
    sink?.flush();
  } catch {
    // nowhere to say it
  }
}
process.on("exit", flushStdout);

export class Logger {
  private readonly write: (line: string) => void;

  constructor(
    private readonly level: Level = "info",
    private readonly pretty = false,
    write: (line: string) => void = stdoutLine,
  ) {
    this.write = (line) => write(redactUrls(line));
  }

  request(r: RequestLog): void {
    if (LEVELS[this.level] > LEVELS.info) return;
    if (this.pretty) {
      const extra = [
        r.model && `model=${r.model}`,
        r.upstream && `upstream=${r.upstream}`,
        r.cache && `cache=${r.cache}`,
        r.error && `error=${JSON.stringify(r.error)}`,
      ]
        .filter(Boolean)
        .join(" ");
      this.write(`${stamp()} ${r.method} ${r.path} ${r.status} ${r.ms}ms ${extra}`);
      return;
    }
    // The fields after the fixed head, as JSON.stringify writes the object (one per request: no spread copy).
    const rest = JSON.stringify(r);
    this.write(`{"ts":"${stamp()}","level":"info","msg":"request"${rest.length > 2 ? `,${rest.slice(1)}` : "}"}`);
  }

  event(level: Level, msg: string, fields: Record<string, unknown> = {}): void {
    if (LEVELS[this.level] > LEVELS[level]) return;
    if (this.pretty) this.write(`${stamp()} ${level} ${msg} ${Object.keys(fields).length ? JSON.stringify(fields) : ""}`);
    else this.write(JSON.stringify({ ts: stamp(), level, msg, ...fields }));
  }
}
