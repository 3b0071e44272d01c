import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding sentinel's package.json (and prompts/, scripts/, systemd/), found from
 * this module's own location: it works from src/ under vitest and from the bundle in dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'prompts'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('sentinel: cannot find its package directory (package.json next to prompts/)');
    dir = parent;
  }
  return dir;
}
