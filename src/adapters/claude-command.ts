import { join } from 'node:path';
import { packageRoot } from './package-root.js';
import { findExecutable } from './secrets.js';

/** The pinned CLI `npm ci` put next to sentinel: what runs when claude.command is left at `claude`
 * and no `claude` is on PATH (a laptop, or a server set up by the README without a global install). */
export const bundledClaude = () => join(packageRoot(), 'node_modules', '.bin', 'claude');

export function findClaude(command: string, path: string): { command: string; bundled: boolean } | null {
  const found = findExecutable(command, path);
  if (found) return { command: found, bundled: false };
  const bundled = command === 'claude' ? findExecutable(bundledClaude(), '') : null;
  return bundled ? { command: bundled, bundled: true } : null;
}
