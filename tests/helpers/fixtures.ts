// The one way tests locate the recorded Codex CLI traffic: tests/fixtures/codex/, inside the
// project, so a fresh clone runs as is. (Copies of the recordings, with the client's long prose
// replaced by short text; fields, items, headers, tool schemas and event order unchanged.)
import { fileURLToPath } from "node:url";

export const CODEX_FIXTURES = fileURLToPath(new URL("../fixtures/codex/", import.meta.url));

/** Absolute path of one Codex fixture, e.g. codexFixture("turn1-request.json"). */
export function codexFixture(name: string): string {
  return CODEX_FIXTURES + name;
}

/** A recorded request: { method, path, headers, body }, parsed afresh on every call. */
export async function codexRequest(name: string): Promise<{ method: string; path: string; headers: Record<string, string>; body: any }> {
  return await Bun.file(codexFixture(name)).json();
}

/** Absolute path of one Claude Code fixture (tests/fixtures/claude-code/), e.g. claudeFixture("text-turn.sse"). */
export function claudeFixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/claude-code/${name}`, import.meta.url));
}
