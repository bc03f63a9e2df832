// What the real-CLI tests (Codex, Claude Code) share: what is started is stopped after each
// test, last first, and a run is shown whole when an assertion about it fails.
import { afterEach } from "bun:test";

/** Registers an afterEach that stops everything pushed during the test, in reverse order. */
export function stopsAfterEach(): (() => Promise<void>)[] {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return stops;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** What the CLI printed plus what it logged, for a failure message that shows why. */
export const transcript = (run: CliRun): string =>
  `exit ${run.code}${run.timedOut ? " (timed out)" : ""}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

/**
 * Runs `pair` (two CLI sessions that must ask the same question) and, when the day changed
 * while it ran, once more with the next attempt number: Codex and Claude Code both put
 * today's date in their prompt, so a pair that straddles midnight asks two questions. The
 * attempt number lets the caller pick a fresh prompt (the first pair may have cached the new
 * day's turn already) and clear what it counts.
 */
export async function onOneDay<T>(pair: (attempt: number) => Promise<T>): Promise<T> {
  const day = () => new Date().toISOString().slice(0, 10);
  const started = day();
  const result = await pair(0);
  return day() === started ? result : pair(1);
}
