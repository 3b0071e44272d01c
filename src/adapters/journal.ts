import { execa } from 'execa';
import type { JournalTail } from '../core/failure-notice.js';
import type { UnitScope } from '../core/systemd-units.js';

export interface JournalOptions {
  /** $PATH to find journalctl on. */
  path: string;
  timeoutMs?: number;
}

/** The systemd journal, read with journalctl (argument array, no shell). */
export function createJournal(opts: JournalOptions) {
  return {
    /** The last `lines` messages of a unit, without timestamps (`-o cat`); a failure is a reason, not a throw. */
    async tail(unit: string, scope: UnitScope, lines: number): Promise<JournalTail> {
      const args = [...(scope === 'user' ? ['--user'] : []), '-u', unit, '-n', String(lines), '--no-pager', '-o', 'cat'];
      const result = await execa('journalctl', args, {
        env: { PATH: opts.path, LC_ALL: 'C.UTF-8' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: opts.timeoutMs ?? 10_000,
        forceKillAfterDelay: 1000,
        maxBuffer: 1_000_000,
      });
      if (result.timedOut) return { kind: 'failed', reason: `journalctl gave no answer within ${(opts.timeoutMs ?? 10_000) / 1000} s` };
      if ((result as { code?: string }).code === 'ENOENT')
        return { kind: 'failed', reason: 'journalctl is not installed (not found on PATH)' };
      if (result.exitCode !== 0) {
        const why = result.stderr.trim().split('\n').at(-1) || result.shortMessage;
        return { kind: 'failed', reason: `journalctl exited with ${result.exitCode ?? result.signal}: ${why}` };
      }
      return { kind: 'ok', lines: result.stdout.split('\n').filter((line) => line.trim() !== '') };
    },
  };
}
