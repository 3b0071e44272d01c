/** `sentinel doctor`'s verdicts and how they read. Pure: the probes live in stages/doctor-*.ts. */
import { ExitCode } from './errors.js';

/** `fail` makes doctor exit 6 (`ExitCode.failed`); `warn` is worth reading but breaks nothing; `skip` did not apply here. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  status: CheckStatus;
  /** What was checked and what was found, one line. */
  text: string;
  /** What to do about it (fail and warn). */
  fix?: string;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '!', fail: '✗', skip: '–' };

export const ok = (text: string): Check => ({ status: 'ok', text });
export const warn = (text: string, fix?: string): Check => ({ status: 'warn', text, ...(fix ? { fix } : {}) });
export const fail = (text: string, fix: string): Check => ({ status: 'fail', text, fix });
export const skip = (text: string): Check => ({ status: 'skip', text });

export function renderChecks(checks: Check[]): string {
  const lines = checks.flatMap((c) => [`${MARK[c.status]} ${c.text}`, ...(c.fix ? [`    fix: ${c.fix}`] : [])]);
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const warnings = count('warn') ? `, ${plural(count('warn'), 'warning')}` : '';
  lines.push(
    '',
    count('fail') ? `${plural(count('fail'), 'check')} failed${warnings}` : `all ${plural(count('ok'), 'check')} passed${warnings}`,
  );
  return lines.join('\n');
}

/** `failed` when any check failed: a script (or a person) can gate on `sentinel doctor`, and tell
 * a broken set-up from a bug in sentinel (exit 1). */
export function doctorExitCode(checks: Check[]): ExitCode {
  return checks.some((c) => c.status === 'fail') ? ExitCode.failed : ExitCode.ok;
}
