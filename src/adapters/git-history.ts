import { execa } from 'execa';

/** A commit as recent_changes lists it. */
export interface Commit {
  hash: string;
  time: number;
  author: string;
  subject: string;
  files: string[];
}

export type GitResult = { ok: true; stdout: string; cut: boolean } | { ok: false; reason: string };

const TIMEOUT_MS = 10_000;
const MAX_OUTPUT = 262_144;
/** A full or abbreviated object name: hex only, so it can never be read as an option or a revision expression. */
export const COMMIT_PATTERN = /^[0-9a-f]{7,40}$/;

/**
 * git over the deployed source, read only: no hooks, no system or global config, no pager, no
 * external diff or textconv drivers (a repository's own config could name a program), a timeout
 * and bounded output. An argument array, never a shell.
 */
export async function runGit(root: string, args: string[]): Promise<GitResult> {
  const result = await execa(
    'git',
    [
      // The repository's own config could name programs: none of those that log and show may run.
      '-c',
      'core.hooksPath=/dev/null',
      '-c',
      'core.fsmonitor=false',
      '-c',
      'log.showSignature=false',
      '-c',
      'diff.external=',
      // The deployed tree belongs to the app's user, not ours: read it anyway (nothing above can run).
      '-c',
      'safe.directory=*',
      '--no-pager',
      '-C',
      root,
      ...args,
    ],
    {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        HOME: '/nonexistent',
        GIT_TERMINAL_PROMPT: '0',
        GIT_OPTIONAL_LOCKS: '0',
        GIT_PAGER: 'cat',
        LC_ALL: 'C',
      },
      extendEnv: false,
      stdin: 'ignore',
      timeout: TIMEOUT_MS,
      maxBuffer: { stdout: MAX_OUTPUT, stderr: 16_384 },
      reject: false,
    },
  );
  if (result.timedOut) return { ok: false, reason: `git timed out after ${TIMEOUT_MS / 1000} s` };
  if (result.isMaxBuffer) return { ok: true, stdout: typeof result.stdout === 'string' ? result.stdout : '', cut: true };
  if (result.exitCode !== 0) {
    const why = (typeof result.stderr === 'string' ? result.stderr : '').trim().split('\n').at(-1) || result.shortMessage;
    return { ok: false, reason: `git: ${why}` };
  }
  return { ok: true, stdout: result.stdout, cut: false };
}

export async function isWorkTree(root: string): Promise<boolean> {
  const result = await runGit(root, ['rev-parse', '--is-inside-work-tree']);
  return result.ok && result.stdout.trim() === 'true';
}

const FIELD = '\x1f';
const RECORD = '\x1e';

/** Commits since `since` (epoch ms), newest first, at most `max`, optionally only those touching `path`. */
export async function commitsSince(
  root: string,
  since: number,
  max: number,
  path?: string,
): Promise<{ ok: true; commits: Commit[] } | { ok: false; reason: string }> {
  const result = await runGit(root, [
    // --relative: paths as seen from the root, also when it is a subdirectory of the work tree
    'log',
    '--relative',
    '--no-ext-diff',
    '--no-textconv',
    '--no-color',
    `--since=${new Date(since).toISOString()}`,
    `--max-count=${max}`,
    `--format=${RECORD}%H${FIELD}%ct${FIELD}%an${FIELD}%s`,
    '--name-only',
    '--',
    ...(path ? [path] : []),
  ]);
  if (!result.ok) return result;
  const commits = result.stdout
    .split(RECORD)
    .filter((chunk) => chunk.trim() !== '')
    .map((chunk) => {
      const [head = '', ...files] = chunk.split('\n');
      const [hash = '', at = '0', author = '', subject = ''] = head.split(FIELD);
      return { hash, time: Number(at) * 1000, author, subject, files: files.filter((f) => f.trim() !== '') };
    });
  return { ok: true, commits };
}
