// The Codex CLI recordings live in shared/ beside the project's root (CI lays a copy of it
// there too), never at an absolute path.
import { fileURLToPath } from "node:url";

export const CODEX_FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/codex/", import.meta.url));

export function codexFixture(name: string): string {
  return CODEX_FIXTURES + name;
}
