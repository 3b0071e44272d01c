import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp.js';

export const APP_FIXTURE = fileURLToPath(new URL('../fixtures/autofix-app', import.meta.url));

const gitEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };

/** Real git, outside sentinel: how a test builds and inspects repositories. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=dev', '-c', 'user.email=dev@example.com', ...args], {
    cwd,
    env: gitEnv,
    encoding: 'utf8',
  }).trim();
}

/** The fixture app committed on `main` and pushed to a bare repository on disk: the "forge" remote. */
export function makeAppRemote(): { dir: string; bare: string; baseSha: string } {
  const dir = tempDir('sentinel-autofix-repo-');
  const work = join(dir, 'work');
  cpSync(APP_FIXTURE, work, { recursive: true });
  git(work, 'init', '--quiet', '--initial-branch=main');
  git(work, 'add', '--all');
  git(work, 'commit', '--quiet', '-m', 'billing app');
  const bare = join(dir, 'app.git');
  git(dir, 'clone', '--quiet', '--bare', work, bare);
  return { dir, bare, baseSha: git(work, 'rev-parse', 'HEAD') };
}
