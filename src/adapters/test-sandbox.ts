import { execa } from 'execa';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { TestRun } from '../core/autofix-job.js';
import { settleWithin } from './process-group.js';

export interface TestSandboxOptions {
  /** The project's test command, an argument array: no shell ever sees it. */
  command: string[];
  /** The throwaway worktree: the only writable place (besides a private /tmp). */
  worktree: string;
  timeoutMs: number;
  /** Exactly the variables the tests get (PATH, HOME and LANG are set here). */
  env: Record<string, string>;
  isolation: 'bwrap' | 'none';
  readOnlyPaths: string[];
  /** Applied to the output tail before it is kept. */
  redact: (text: string) => string;
}

const TAIL_BYTES = 4096;
const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
// What programs need of /etc to start; not the rest (credentials, ssh keys, sentinel's config).
const ETC = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'localtime', 'passwd', 'group', 'nsswitch.conf', 'mime.types'];

/** Runs the tests once, under bubblewrap: no network, no other processes, the system read-only and
 * the worktree the only writable directory; a timeout kills the whole group. */
export async function runTestsInSandbox(opts: TestSandboxOptions): Promise<TestRun> {
  const env = { PATH: SANDBOX_PATH, HOME: '/tmp', LANG: 'C.UTF-8', ...opts.env };
  const [file, ...args] = opts.isolation === 'bwrap' ? ['bwrap', ...bwrapArgs(opts), '--', ...opts.command] : opts.command;
  const started = performance.now();
  const child = execa(file!, args, {
    cwd: opts.worktree,
    env, // bwrap hands its own environment on: values never sit in an argv
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    detached: true,
    reject: false,
    maxBuffer: 16 * 1024 * 1024,
  });
  const { result: exit, timedOut } = await settleWithin(child, opts.timeoutMs);
  const durationMs = Math.round(performance.now() - started);
  const output = typeof exit.all === 'string' ? exit.all : '';
  const tail = opts.redact(Buffer.from(output).subarray(-TAIL_BYTES).toString('utf8'));
  if (timedOut) return { outcome: 'timed_out', exitCode: null, durationMs, tail };
  if (exit.exitCode === undefined)
    return {
      outcome: 'error',
      exitCode: null,
      durationMs,
      tail: opts.redact(exit.originalMessage ?? exit.shortMessage ?? 'the test command could not be started'),
    };
  // bwrap's own failure (no user namespaces, say) is not the tests failing.
  if (opts.isolation === 'bwrap' && exit.exitCode === 1 && /^bwrap: /.test(output))
    return { outcome: 'error', exitCode: 1, durationMs, tail };
  return { outcome: exit.exitCode === 0 ? 'passed' : 'failed', exitCode: exit.exitCode, durationMs, tail };
}

function bwrapArgs(opts: TestSandboxOptions): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--ro-bind', '/usr', '/usr'];
  // Merged /usr: /bin, /lib … are symlinks into /usr on current distributions.
  for (const top of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    const path = `/${top}`;
    if (!existsSync(path)) continue;
    if (lstatSync(path).isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else args.push('--ro-bind', path, path);
  }
  const etc = readdirSync('/etc').filter((name) => ETC.includes(name) || /^python3(\.\d+)?$/.test(name));
  for (const name of etc) args.push('--ro-bind', `/etc/${name}`, `/etc/${name}`);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const path of opts.readOnlyPaths) args.push('--ro-bind', path, path);
  args.push('--bind', opts.worktree, opts.worktree, '--chdir', opts.worktree);
  return args;
}
