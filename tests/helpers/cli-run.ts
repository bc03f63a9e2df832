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
