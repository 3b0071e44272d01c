import { execa } from 'execa';
import { mkdirSync } from 'node:fs';
import type { DiffEntry } from '../core/autofix-gate.js';

export interface GitOptions {
  /** A private, empty HOME: no ~/.gitconfig, no credential helpers of whoever runs sentinel. */
  home: string;
  pathEnv: string;
}

export type PushOutcome =
  | { kind: 'pushed' }
  /** The branch is there already: at `sha` (an earlier, interrupted push of ours) or elsewhere. */
  | { kind: 'exists'; sha: string }
  | { kind: 'auth_failed'; reason: string }
  | { kind: 'failed'; reason: string };

export interface GitError extends Error {
  readonly stderr: string;
}

const IDENTITY = ['-c', 'user.name=sentinel', '-c', 'user.email=sentinel@localhost'];

/** Every git call hardened: no hooks, no fsmonitor, no system or global config, never a prompt.
 * A token travels in the environment (`GIT_CONFIG_*`), never in argv or a URL. */
export function createGit(opts: GitOptions) {
  mkdirSync(opts.home, { recursive: true, mode: 0o700 });
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: opts.pathEnv,
    HOME: opts.home,
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    GIT_SSH_COMMAND: 'ssh -o BatchMode=yes',
    GIT_OPTIONAL_LOCKS: '0',
    ...extra,
  });
  const git = async (cwd: string, args: string[], extra?: Record<string, string>): Promise<string> => {
    const result = await execa(
      'git',
      ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'protocol.ext.allow=never', ...args],
      {
        cwd,
        env: env(extra),
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 300_000,
        stripFinalNewline: false,
      },
    );
    if (result.exitCode !== 0) {
      const stderr = result.stderr.trim();
      const error = new Error(`git ${args[0]} failed: ${stderr.split('\n').at(-1) ?? result.shortMessage}`) as Error & { stderr: string };
      error.stderr = stderr;
      throw error;
    }
    return result.stdout;
  };
  const tokenEnv = (token: string | null): Record<string, string> =>
    token === null
      ? {}
      : {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'http.extraHeader',
          GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`,
        };

  return {
    /** A fresh clone of `url` into `dir` (which must not exist), checked out detached at `baseSha`
     * or at the default branch; returns both. */
    async cloneAt(
      url: string,
      dir: string,
      baseSha: string | undefined,
      token: string | null,
    ): Promise<{ baseSha: string; defaultBranch: string }> {
      await git(opts.home, ['clone', '--quiet', '--no-tags', '--no-recurse-submodules', '--no-checkout', '--', url, dir], tokenEnv(token));
      const defaultBranch = (await git(dir, ['symbolic-ref', '--short', 'HEAD'])).trim();
      const sha = baseSha ?? (await git(dir, ['rev-parse', 'HEAD'])).trim();
      await git(dir, ['checkout', '--quiet', '--detach', sha]);
      return { baseSha: sha, defaultBranch };
    },
    head: async (dir: string) => (await git(dir, ['rev-parse', 'HEAD'])).trim(),
    parentOf: async (dir: string, sha: string) => (await git(dir, ['rev-parse', `${sha}^`])).trim(),
    /** Stages every change in the working tree and lists what it is against `base`. */
    async stagedChanges(dir: string, base: string): Promise<DiffEntry[]> {
      await git(dir, ['add', '--all', '--', '.']);
      return parseDiff(
        await git(dir, ['diff', '--cached', '--raw', '-z', '--no-renames', base]),
        await git(dir, ['diff', '--cached', '--numstat', '-z', '--no-renames', base]),
      );
    },
    /** The changes a commit makes against its parent (a commit made before a crash). */
    async commitChanges(dir: string, base: string, sha: string): Promise<DiffEntry[]> {
      return parseDiff(
        await git(dir, ['diff', '--raw', '-z', '--no-renames', base, sha]),
        await git(dir, ['diff', '--numstat', '-z', '--no-renames', base, sha]),
      );
    },
    patch: (dir: string, base: string, sha?: string) =>
      git(dir, ['diff', '--no-color', '--no-ext-diff', base, ...(sha ? [sha] : ['--cached'])]),
    async commit(dir: string, message: string): Promise<string> {
      await git(dir, [...IDENTITY, 'commit', '--quiet', '--no-verify', '--no-gpg-sign', '-m', message]);
      return (await git(dir, ['rev-parse', 'HEAD'])).trim();
    },
    /** A throwaway checkout of `sha` at `path`, sharing the clone's objects. Forced twice: a kill
     * during `worktree add` leaves the path registered and locked ("initializing"), and the path
     * is ours alone. */
    async addWorktree(dir: string, path: string, sha: string): Promise<void> {
      await git(dir, ['worktree', 'prune']);
      await git(dir, ['worktree', 'add', '--quiet', '--detach', '--force', '--force', path, sha]);
    },
    async removeWorktree(dir: string, path: string): Promise<void> {
      await git(dir, ['worktree', 'remove', '--force', '--force', path]).catch(() => undefined);
      await git(dir, ['worktree', 'prune']);
    },
    /** The sha of `refs/heads/<branch>` on the remote, or null when there is none. */
    async remoteBranch(dir: string, url: string, branch: string, token: string | null): Promise<string | null> {
      const out = await git(dir, ['ls-remote', '--', url, `refs/heads/${branch}`], tokenEnv(token));
      return out.split('\t')[0]?.trim() || null;
    },
    /** `sha` to `refs/heads/<branch>`, never forced: an existing branch is reported, not replaced. */
    async push(dir: string, url: string, sha: string, branch: string, token: string | null): Promise<PushOutcome> {
      const existing = await this.remoteBranch(dir, url, branch, token).catch((error: GitError) => error);
      if (existing instanceof Error) return classifyPushError(existing);
      if (existing !== null) return { kind: 'exists', sha: existing };
      try {
        await git(dir, ['push', '--quiet', '--no-verify', '--', url, `${sha}:refs/heads/${branch}`], tokenEnv(token));
        return { kind: 'pushed' };
      } catch (error) {
        return classifyPushError(error as GitError);
      }
    },
  };
}

export type Git = ReturnType<typeof createGit>;

function classifyPushError(error: GitError): PushOutcome {
  const text = error.stderr || error.message;
  const reason = text.split('\n').filter(Boolean).at(-1) ?? 'git push failed';
  if (/Authentication failed|could not read Username|HTTP 401|HTTP 403|Permission denied|403 Forbidden/i.test(text))
    return { kind: 'auth_failed', reason };
  return { kind: 'failed', reason };
}

/** `--raw -z` gives modes and status per path, `--numstat -z` the line counts (`-` for binaries). */
function parseDiff(raw: string, numstat: string): DiffEntry[] {
  const counts = new Map<string, { added: number | null; removed: number | null }>();
  const stats = numstat.split('\0');
  for (let i = 0; i < stats.length; i++) {
    const m = /^(-|\d+)\t(-|\d+)\t(.*)$/s.exec(stats[i] ?? '');
    if (!m) continue;
    counts.set(m[3]!, { added: m[1] === '-' ? null : Number(m[1]), removed: m[2] === '-' ? null : Number(m[2]) });
  }
  const entries: DiffEntry[] = [];
  const parts = raw.split('\0');
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const m = /^:(\d{6}) (\d{6}) [0-9a-f]+ [0-9a-f]+ ([A-Z])\d*$/.exec(parts[i] ?? '');
    if (!m) continue;
    const path = parts[i + 1]!;
    const count = counts.get(path) ?? { added: null, removed: null };
    entries.push({ path, status: m[3]!, oldMode: m[1]!, newMode: m[2]!, added: count.added, removed: count.removed });
  }
  return entries;
}
