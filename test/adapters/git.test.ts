import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGit } from '../../src/adapters/git.js';
import { checkDiff } from '../../src/core/autofix-gate.js';
import { parseConfig } from '../../src/core/config.js';
import { git, makeAppRemote } from '../support/autofix-repo.js';
import { tempDir } from '../support/temp.js';

const parsed = parseConfig({
  source: { path: 'logs.db' },
  autofix: { paths: ['app/**', 'tests/**'], max_files: 2, max_changed_lines: 20 },
});
if (!parsed.ok) throw new Error(parsed.errors.join('; '));
const gateConfig = parsed.config.autofix;

async function freshClone() {
  const remote = makeAppRemote();
  const scratch = tempDir('sentinel-git-');
  const g = createGit({ home: join(scratch, 'home'), pathEnv: process.env.PATH ?? '/usr/bin:/bin' });
  const clone = join(scratch, 'repo');
  const cloned = await g.cloneAt(remote.bare, clone, undefined, null);
  return { remote, g, clone, cloned, scratch };
}

describe('the hardened git adapter', () => {
  it('clones at the default branch head and records it as the base', async () => {
    const { remote, cloned, clone } = await freshClone();
    expect(cloned).toEqual({ baseSha: remote.baseSha, defaultBranch: 'main' });
    expect(readFileSync(join(clone, 'app/invoice.py'), 'utf8')).toContain('/ len(lines)');
  });

  it('clones at a recorded base commit even after the branch moved on', async () => {
    const remote = makeAppRemote();
    const work = join(remote.dir, 'work');
    writeFileSync(join(work, 'later.txt'), 'later\n');
    git(work, 'add', 'later.txt');
    git(work, 'commit', '--quiet', '-m', 'later');
    git(work, 'push', '--quiet', remote.bare, 'HEAD:main');
    const g = createGit({ home: join(remote.dir, 'home'), pathEnv: process.env.PATH ?? '' });
    const cloned = await g.cloneAt(remote.bare, join(remote.dir, 'clone'), remote.baseSha, null);
    expect(cloned.baseSha).toBe(remote.baseSha);
    expect(existsSync(join(remote.dir, 'clone/later.txt'))).toBe(false);
  });

  it('never runs a hook planted in the clone: not on commit, checkout or push', async () => {
    const { g, clone, cloned, remote, scratch } = await freshClone();
    const marker = join(scratch, 'hook-ran');
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout', 'pre-push', 'reference-transaction']) {
      writeFileSync(join(clone, '.git/hooks', hook), `#!/bin/sh\necho ${hook} >> ${marker}\n`);
      chmodSync(join(clone, '.git/hooks', hook), 0o755);
    }
    writeFileSync(
      join(clone, 'app/invoice.py'),
      readFileSync(join(clone, 'app/invoice.py'), 'utf8').replace('/ len(lines)', '/ max(1, len(lines))'),
    );
    await g.stagedChanges(clone, cloned.baseSha);
    const sha = await g.commit(clone, 'fix: guard an empty invoice');
    await g.addWorktree(clone, join(scratch, 'wt'), sha);
    expect(await g.push(clone, remote.bare, sha, 'sentinel/test', null)).toEqual({ kind: 'pushed' });
    expect(existsSync(marker)).toBe(false);
  });

  it('replaces a test worktree that a killed `git worktree add` left locked, with or without its directory', async () => {
    const { g, clone, scratch } = await freshClone();
    const sha = git(clone, 'rev-parse', 'HEAD');
    for (const dirLeft of [true, false]) {
      const path = join(scratch, `test-base-${dirLeft}`);
      await g.addWorktree(clone, path, sha);
      // What `git worktree add` holds while it populates the tree, and leaves when it is killed.
      git(clone, 'worktree', 'lock', '--reason', 'initializing', path);
      if (!dirLeft) rmSync(path, { recursive: true, force: true });
      await g.removeWorktree(clone, path);
      rmSync(path, { recursive: true, force: true });
      await g.addWorktree(clone, path, sha);
      expect(readFileSync(join(path, 'app/invoice.py'), 'utf8')).toContain('/ len(lines)');
    }
  });

  it('pushes the exact commit to a new branch and never replaces an existing one', async () => {
    const { g, clone, cloned, remote } = await freshClone();
    writeFileSync(join(clone, 'app/note.py'), 'NOTE = 1\n');
    await g.stagedChanges(clone, cloned.baseSha);
    const sha = await g.commit(clone, 'fix: a note');
    expect(await g.push(clone, remote.bare, sha, 'sentinel/abc', null)).toEqual({ kind: 'pushed' });
    expect(git(remote.bare, 'rev-parse', 'refs/heads/sentinel/abc')).toBe(sha);
    expect(git(remote.bare, 'rev-parse', 'refs/heads/main')).toBe(remote.baseSha);
    // Pushing again (a resumed job) finds it there, at our commit.
    expect(await g.push(clone, remote.bare, sha, 'sentinel/abc', null)).toEqual({ kind: 'exists', sha });
    // Someone else's branch of that name is left alone.
    expect(await g.push(clone, remote.bare, sha, 'main', null)).toEqual({ kind: 'exists', sha: remote.baseSha });
    expect(git(remote.bare, 'rev-parse', 'refs/heads/main')).toBe(remote.baseSha);
  });

  it('fails fast instead of prompting for credentials', async () => {
    const { g, clone } = await freshClone();
    const started = Date.now();
    const outcome = await g.push(clone, 'http://127.0.0.1:9/app.git', 'HEAD', 'sentinel/x', null);
    expect(outcome.kind).toBe('failed');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('the diff gate on real git diffs', () => {
  const edit = (clone: string, path: string, text: string) => writeFileSync(join(clone, path), text);
  it('passes a small edit inside the allowed paths', async () => {
    const { g, clone, cloned } = await freshClone();
    edit(
      clone,
      'app/invoice.py',
      readFileSync(join(clone, 'app/invoice.py'), 'utf8').replace(
        '    return invoice_total(lines) / len(lines)',
        '    if not lines:\n        return 0\n    return invoice_total(lines) / len(lines)',
      ),
    );
    expect(checkDiff(await g.stagedChanges(clone, cloned.baseSha), gateConfig)).toEqual({
      ok: true,
      files: ['app/invoice.py'],
      added: 2,
      removed: 0,
    });
  });

  it.each([
    ['an empty diff', (_c: string) => undefined, 'the fix changed nothing'],
    ['a CI workflow', (c: string) => edit(c, '.github/workflows/ci.yml', 'on: [push]\n'), '".github/workflows/ci.yml" is a denied path'],
    ['a dependency manifest', (c: string) => edit(c, 'app/requirements.txt', 'requests\n'), '"app/requirements.txt" is a denied path'],
    [
      'a migration',
      (c: string) => {
        mkdirSync(join(c, 'app/migrations'));
        edit(c, 'app/migrations/0002.py', 'x = 1\n');
      },
      '"app/migrations/0002.py" is a denied path',
    ],
    ['an env file', (c: string) => edit(c, '.env', 'X=1\n'), '".env" is a denied path'],
    ['a shell script', (c: string) => edit(c, 'app/run.sh', 'echo\n'), '"app/run.sh" is a denied path'],
    ['agent config', (c: string) => edit(c, 'CLAUDE.md', 'be evil\n'), '"CLAUDE.md" is a denied path'],
    ['a path outside autofix.paths', (c: string) => edit(c, 'README.md', 'changed\n'), '"README.md" is outside autofix.paths'],
    ['a deletion', (c: string) => unlinkSync(join(c, 'app/invoice.py')), 'it deletes "app/invoice.py"'],
    [
      'a binary file',
      (c: string) => writeFileSync(join(c, 'app/blob.bin'), Buffer.from([0, 1, 2, 0, 255])),
      '"app/blob.bin" is a binary file',
    ],
    ['an executable bit', (c: string) => chmodSync(join(c, 'app/invoice.py'), 0o755), 'it makes "app/invoice.py" executable'],
    ['a symlink', (c: string) => symlinkSync('/etc/passwd', join(c, 'app/link.py')), 'it makes "app/link.py" a symlink'],
    [
      'too many files',
      (c: string) => ['a', 'b', 'c'].forEach((n) => edit(c, `app/${n}.py`, 'x = 1\n')),
      'it changes 3 files, more than autofix.max_files (2)',
    ],
    [
      'too many lines',
      (c: string) => edit(c, 'app/big.py', 'x = 1\n'.repeat(21)),
      'it changes 21 lines, more than autofix.max_changed_lines (20)',
    ],
  ])('refuses %s', async (_label, change, reason) => {
    const { g, clone, cloned } = await freshClone();
    change(clone);
    const result = checkDiff(await g.stagedChanges(clone, cloned.baseSha), gateConfig);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});
