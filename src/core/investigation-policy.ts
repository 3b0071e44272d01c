/** When to investigate, when to retry, what the day's budget allows. Pure: the numbers come in. */

/** Within the cooldown only a rise to this many times the rate at the last investigation re-triggers. */
export const COOLDOWN_ESCALATION_FACTOR = 10;
const FIRST_RETRY_MS = 5 * 60_000;
const MAX_RETRY_MS = 6 * 3_600_000;

export interface CooldownInput {
  lastInvestigatedAt: number | null;
  lastInvestigatedRate: number | null;
  /** The group's rows in the last hour. */
  rate: number;
  cooldownMs: number;
  now: number;
}

export function isCoolingDown(input: CooldownInput): boolean {
  if (input.lastInvestigatedAt === null || input.now - input.lastInvestigatedAt >= input.cooldownMs) return false;
  const previous = Math.max(1, input.lastInvestigatedRate ?? 0);
  return input.rate < COOLDOWN_ESCALATION_FACTOR * previous;
}

/** 5 min, 10 min, 20 min … capped at 6 h: after `attempts` failures, how long to wait. */
export function retryDelay(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
}

export interface BudgetInput {
  callsToday: number;
  costToday: number;
  dailyMaxRuns: number;
  dailyBudgetUsd: number;
}

/** Null when a call may start; else the reason it may not, for the fallback report. */
export function budgetRefusal(input: BudgetInput): string | null {
  if (input.callsToday >= input.dailyMaxRuns) {
    return `the daily limit of ${input.dailyMaxRuns} Claude runs is reached (claude.daily_max_runs)`;
  }
  if (input.costToday >= input.dailyBudgetUsd) {
    return `today's Claude spending, $${input.costToday.toFixed(2)}, reached claude.daily_budget_usd ($${input.dailyBudgetUsd.toFixed(2)})`;
  }
  return null;
}

/** Start of the UTC day containing `now`: the daily budget resets at midnight UTC. */
export const startOfUtcDay = (now: number) => Math.floor(now / 86_400_000) * 86_400_000;
