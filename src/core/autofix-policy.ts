import type { Answer } from './answer.js';
import type { AutofixConfig, Config } from './config.js';

/** A job's steps, in order; each is persisted before the next starts, so a killed job resumes. */
export const AUTOFIX_STEPS = ['queued', 'cloned', 'edited', 'gated', 'tested', 'pushed', 'opened', 'notified'] as const;
export type AutofixStep = (typeof AUTOFIX_STEPS)[number];
export type AutofixState = AutofixStep | 'stopped';

const DAY = 86_400_000;

export interface EligibilityInput {
  config: AutofixConfig;
  answer: Answer;
  group: { status: 'active' | 'resolved'; lastSeen: number } | null;
  /** Jobs ever made for this fingerprint (any state). */
  earlierJobs: number;
  /** `--force`: a regression may be attempted again. */
  force: boolean;
  now: number;
}

/** Null when the incident may become a fix attempt; else why not, one line. */
export function autofixIneligibility(input: EligibilityInput): string | null {
  const { config, answer } = input;
  if (!config.enabled) return 'autofix is disabled (autofix.enabled: false)';
  if (answer.verdict !== 'real_issue') return `the verdict is ${answer.verdict}, not real_issue`;
  if (answer.confidence < config.min_confidence)
    return `confidence ${answer.confidence} is below autofix.min_confidence (${config.min_confidence})`;
  if (!config.severities.includes(answer.severity))
    return `severity ${answer.severity} is not in autofix.severities (${config.severities.join(', ')})`;
  if (answer.fix_scope !== 'app_code')
    return `the diagnosis does not place the fix in the application's code (fix_scope: ${answer.fix_scope ?? 'not given'})`;
  if (input.group === null) return 'the group is unknown to the state database';
  if (input.group.status !== 'active') return 'the group is resolved';
  if (input.now - input.group.lastSeen > DAY) return 'the group has not been seen in the last 24 h';
  if (input.earlierJobs > 0 && !input.force)
    return 'a fix was already attempted for this fingerprint (sentinel autofix FINGERPRINT --force for a regression)';
  return null;
}

export interface AutofixBudgetInput {
  claude: Config['claude'];
  autofix: AutofixConfig;
  /** From the shared daily ledger: investigations and fixes alike. */
  callsToday: number;
  costToday: number;
  attemptsToday: number;
}

/** Null when a fix attempt may call Claude now. The reserve keeps today's alerting affordable:
 * an attempt may cost up to its own cap, and must still leave the reserve untouched. */
export function autofixBudgetRefusal(input: AutofixBudgetInput): string | null {
  const { claude, autofix } = input;
  if (input.attemptsToday >= autofix.daily_max_attempts)
    return `the daily cap of ${autofix.daily_max_attempts} fix attempts is reached (autofix.daily_max_attempts)`;
  if (input.callsToday + 1 > claude.daily_max_runs - autofix.reserve_runs) {
    return `${input.callsToday} Claude runs today: the last ${autofix.reserve_runs} of claude.daily_max_runs (${claude.daily_max_runs}) are kept for alerting`;
  }
  const spendable = claude.daily_budget_usd - autofix.reserve_usd;
  if (input.costToday + autofix.max_budget_usd > spendable) {
    return `$${input.costToday.toFixed(2)} spent today: another fix (up to $${autofix.max_budget_usd.toFixed(2)}) would eat the $${autofix.reserve_usd.toFixed(2)} of claude.daily_budget_usd kept for alerting`;
  }
  return null;
}

/** `sentinel/<fp8>-<yyyymmdd>`, then `-2`, `-3` … when a branch of that name exists already. */
export function fixBranchName(fingerprint: string, created: number, attempt: number): string {
  const day = new Date(created).toISOString().slice(0, 10).replaceAll('-', '');
  const fp = fingerprint.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'group';
  return `sentinel/${fp}-${day}${attempt > 1 ? `-${attempt}` : ''}`;
}
