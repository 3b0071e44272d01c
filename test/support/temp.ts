import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

// Directories made outside a test (at collection, in beforeAll) go when the file's tests are done.
const outsideTests: string[] = [];
afterAll(() => {
  for (const dir of outsideTests.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temp dir, removed when the test that made it finishes (or,
 * made outside a test, when the file's tests are done): a test run leaves nothing behind. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  } catch {
    outsideTests.push(dir);
  }
  return dir;
}
