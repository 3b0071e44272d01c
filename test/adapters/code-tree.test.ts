import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, openCodeRoots, readCodeFile, walkCodeFiles } from '../../src/adapters/code-tree.js';
import { tempDir } from '../support/temp.js';

function tree() {
  const dir = tempDir('sentinel-code-');
  const files: Record<string, string> = {
    'app/jobs.py': 'def run():\n    pass\n',
    'app/README.md': 'docs\n',
    'app/.env.production': 'SECRET=1\n',
    'app/certs/server.pem': 'x\n',
    'app/secrets/db.py': 'PASSWORD = "x"\n',
    'app/.git/config': '[core]\n',
    'app/vendor/lib.py': 'x = 1\n',
    'outside/secret.py': 'x = 1\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  writeFileSync(join(dir, 'app', 'big.py'), 'x'.repeat(MAX_FILE_BYTES + 1));
  writeFileSync(join(dir, 'app', 'binary.py'), 'a\0b');
  symlinkSync(join(dir, 'outside', 'secret.py'), join(dir, 'app', 'link.py'));
  symlinkSync(join(dir, 'outside'), join(dir, 'app', 'linkdir'));
  const roots = openCodeRoots([{ root: './app', include: ['**/*.py', '**/*.pem', '.env*'], exclude: ['vendor/**'] }], dir);
  return { dir, roots };
}

describe('code roots: only what include allows, never secrets, never through a symlink', () => {
  const { dir, roots } = tree();

  it.each([
    ['jobs.py', true, ''],
    ['./jobs.py', true, ''],
    [join(dir, 'app', 'jobs.py'), true, ''],
    ['app/jobs.py', false, 'no such file'],
    ['README.md', false, 'outside code.include'],
    ['.env.production', false, 'secrets and .git never are'],
    ['certs/server.pem', false, 'secrets and .git never are'],
    ['secrets/db.py', false, 'secrets and .git never are'],
    ['.git/config', false, 'secrets and .git never are'],
    ['vendor/lib.py', false, 'excluded'],
    ['../outside/secret.py', false, '".." is refused'],
    [`${dir}/app/../outside/secret.py`, false, '".." is refused'],
    [join(dir, 'outside', 'secret.py'), false, 'not under a code root'],
    ['link.py', false, 'a symlink is on the way'],
    ['linkdir/secret.py', false, 'a symlink is on the way'],
    ['big.py', false, 'larger than the 1 MB'],
    ['binary.py', false, 'a binary file'],
    ['jobs.py\0', false, 'not a file path'],
  ])('%s → %s', (file, ok, reason) => {
    const read = readCodeFile(roots, file);
    expect(read.ok, JSON.stringify(read)).toBe(ok);
    if (!read.ok) expect(read.reason).toContain(reason);
  });

  it('walks only the readable files, in name order, never into secrets, .git or a symlink', () => {
    expect([...walkCodeFiles(roots, 100)].map((f) => f.path)).toEqual(['big.py', 'binary.py', 'jobs.py']);
    expect([...walkCodeFiles(roots, 2)].map((f) => f.path)).toEqual(['big.py', 'binary.py']);
  });
});
