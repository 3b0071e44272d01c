import {
  closeSync,
  constants,
  type Dirent,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  type Stats,
} from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { CodeRootConfig } from '../core/config.js';
import { compilePathGlobs } from '../core/logger-glob.js';

/** Never read, whatever `include` says: secrets and git's own files. Matched against every path segment. */
export const SECRET_EXCLUDES = ['.env*', '*.pem', '*.key', 'secrets*', '.git'];
/** Larger files are not source: refused by source_at, skipped by search_code. */
export const MAX_FILE_BYTES = 1_048_576;
const isSecretName = compilePathGlobs(SECRET_EXCLUDES);

export interface CodeRoot {
  /** As configured, resolved against the config file's directory. */
  root: string;
  /** Its real path (the root itself may be a symlink, e.g. /srv/app → /srv/releases/42). */
  real: string;
  allows(relativePath: string): boolean;
}

export type CodeFile = { ok: true; root: CodeRoot; path: string; text: string } | { ok: false; reason: string };

export function openCodeRoots(configs: readonly CodeRootConfig[], baseDir: string): CodeRoot[] {
  return configs.map((c) => {
    const root = resolve(baseDir, c.root);
    let real: string;
    try {
      real = realpathSync(root);
    } catch {
      real = root; // missing: every read reports it
    }
    const included = compilePathGlobs(c.include);
    const excluded = c.exclude.length ? compilePathGlobs(c.exclude) : () => false;
    const allows = (path: string) => included(path) && !excluded(path) && !path.split('/').some(isSecretName);
    return { root, real, allows };
  });
}

/** Why a path is refused before anything is read, or null: NUL, `..`, absolute paths outside every root. */
export function locate(roots: readonly CodeRoot[], file: string): { root: CodeRoot; path: string } | { reason: string } {
  if (file === '' || file.includes('\0') || file.length > 1024) return { reason: 'not a file path' };
  if (file.split(/[\\/]/).includes('..')) return { reason: `${file}: ".." is refused; give the path inside a code root` };
  for (const root of roots) {
    for (const base of [root.root, root.real]) {
      const path = isAbsolute(file) ? relative(base, file) : file.replace(/^\.\//, '');
      if (path === '' || path.startsWith('..') || isAbsolute(path)) continue;
      const posix = path.split(sep).join('/');
      if (!root.allows(posix))
        return { reason: `${file}: not a file sentinel may read (outside code.include, or excluded: secrets and .git never are)` };
      return { root, path: posix };
    }
  }
  return { reason: `${file}: not under a code root (${roots.map((r) => r.root).join(', ') || 'none configured'})` };
}

/** One file's text, read only if every part of its path under the root is a plain directory or file
 * (a symlink anywhere is refused: it could lead out of the root) and it is not too large. */
export function readCodeFile(roots: readonly CodeRoot[], file: string): CodeFile {
  const found = locate(roots, file);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const { root, path } = found;
  let at = root.real;
  for (const segment of path.split('/')) {
    at = join(at, segment);
    let stat: Stats;
    try {
      stat = lstatSync(at);
    } catch {
      return { ok: false, reason: `${path}: no such file under ${root.root}` };
    }
    if (stat.isSymbolicLink())
      return { ok: false, reason: `${path}: a symlink is on the way, refused (it could lead out of ${root.root})` };
  }
  let fd: number;
  try {
    fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, reason: `${path}: cannot open: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: `${path}: not a regular file` };
    if (stat.size > MAX_FILE_BYTES)
      return { ok: false, reason: `${path}: ${stat.size} bytes, larger than the ${MAX_FILE_BYTES / 1_048_576} MB read for source` };
    const buffer = Buffer.alloc(stat.size);
    const read = stat.size === 0 ? 0 : readSync(fd, buffer, 0, stat.size, 0);
    const text = buffer.subarray(0, read).toString('utf8');
    if (text.includes('\0')) return { ok: false, reason: `${path}: a binary file` };
    return { ok: true, root, path, text };
  } finally {
    closeSync(fd);
  }
}

/** Every readable file under the roots, path-sorted, never following a symlink; stops after `maxFiles`. */
export function* walkCodeFiles(roots: readonly CodeRoot[], maxFiles: number): Generator<{ root: CodeRoot; path: string; full: string }> {
  let seen = 0;
  for (const root of roots) {
    const stack: string[] = [''];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let entries: Dirent[];
      try {
        entries = readdirSync(join(root.real, dir), { withFileTypes: true });
      } catch {
        continue;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      const dirs: string[] = [];
      for (const entry of entries) {
        const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isSymbolicLink()) continue;
        if (entry.isDirectory()) {
          if (!isSecretName(entry.name)) dirs.push(path);
        } else if (entry.isFile() && root.allows(path)) {
          if (++seen > maxFiles) return;
          yield { root, path, full: join(root.real, path) };
        }
      }
      stack.push(...dirs.reverse()); // popped in name order
    }
  }
}
