// Temporary directories a test file makes and removes after each test: `const temp =
// tempDirs("wf-cache-"); afterEach(temp.clean);` then `temp.file("wayfront.db")` for a path
// in a new one.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function tempDirs(prefix: string): { file(name: string): string; clean(): void } {
  const dirs: string[] = [];
  return {
    file(name) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(dir);
      return join(dir, name);
    },
    clean() {
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
