import { describe, expect, it } from 'vitest';
import type { Answer } from '../../src/core/answer.js';
import { autofixBudgetRefusal, autofixIneligibility, fixBranchName, type EligibilityInput } from '../../src/core/autofix-policy.js';
import { parseConfig, type Config } from '../../src/core/config.js';

const NOW = Date.UTC(2026, 11, 1, 9, 0);
const HOUR = 3_600_000;

function config(autofix: Record<string, unknown> = {}): Config {
  const parsed = parseConfig({
    source: { path: 'logs.db' },
    autofix: { enabled: true, repository: { url: '/srv/app.git', github: 'acme/app' }, ...autofix },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

const answer: Answer = {
  verdict: 'real_issue',
  severity: 'high',
  title: 'Division by zero in the invoice total',
  summary: 'Every invoice without lines fails.',
  root_cause: { text: 'average() divides by len(lines) without a guard', status: 'confirmed' },
  evidence: [],
  actions: [],
  suggested_ignore: [],
  confidence: 0.9,
  fix_scope: 'app_code',
};

const input = (change: Partial<EligibilityInput> = {}, answerChange: Partial<Answer> = {}): EligibilityInput => ({
  config: config().autofix,
  answer: { ...answer, ...answerChange },
  group: { status: 'active', lastSeen: NOW - HOUR },
  earlierJobs: 0,
  force: false,
  now: NOW,
  ...change,
});

describe('autofixIneligibility', () => {
  it('lets a confident, severe, app-code diagnosis of an active group through', () => {
    expect(autofixIneligibility(input())).toBeNull();
  });

  it.each([
    ['disabled', input({ config: { ...config().autofix, enabled: false } }), 'autofix is disabled'],
    ['noise', input({}, { verdict: 'noise' }), 'the verdict is noise'],
    ['unclear', input({}, { verdict: 'unclear' }), 'the verdict is unclear'],
    ['low confidence', input({}, { confidence: 0.6 }), 'confidence 0.6 is below autofix.min_confidence (0.8)'],
    ['medium severity', input({}, { severity: 'medium' }), 'severity medium is not in autofix.severities'],
    ['a config fix', input({}, { fix_scope: 'config' }), 'fix_scope: config'],
    ['no fix scope', input({}, { fix_scope: undefined }), 'fix_scope: not given'],
    ['a resolved group', input({ group: { status: 'resolved', lastSeen: NOW } }), 'the group is resolved'],
    ['a quiet group', input({ group: { status: 'active', lastSeen: NOW - 25 * HOUR } }), 'not been seen in the last 24 h'],
    ['an earlier attempt', input({ earlierJobs: 1 }), 'already attempted'],
  ])('refuses %s', (_label, given, reason) => {
    expect(autofixIneligibility(given)).toContain(reason);
  });

  it('--force lets a regression be attempted again', () => {
    expect(autofixIneligibility(input({ earlierJobs: 1, force: true }))).toBeNull();
  });
});

describe('autofixBudgetRefusal', () => {
  const c = config();
  const budget = (callsToday: number, costToday: number, attemptsToday = 0) =>
    autofixBudgetRefusal({
      claude: { ...c.claude, daily_max_runs: 24, daily_budget_usd: 10 },
      autofix: c.autofix,
      callsToday,
      costToday,
      attemptsToday,
    });

  it('allows an attempt that leaves the alerting reserve whole', () => {
    expect(budget(0, 0)).toBeNull();
    expect(budget(19, 4)).toBeNull(); // 4 + 3 = 7 ≤ 10 − 3, 20 ≤ 24 − 4
  });

  it.each([
    [budget(0, 0, 2), 'daily cap of 2 fix attempts'],
    [budget(20, 0), 'the last 4 of claude.daily_max_runs (24) are kept for alerting'],
    [budget(0, 4.01), 'would eat the $3.00 of claude.daily_budget_usd kept for alerting'],
  ])('refuses: %s', (refusal, reason) => {
    expect(refusal).toContain(reason);
  });
});

describe('the autofix config', () => {
  it('is off by default', () => {
    const parsed = parseConfig({ source: { path: 'logs.db' } });
    expect(parsed.ok && parsed.config.autofix.enabled).toBe(false);
  });

  it.each([
    [{ enabled: true }, 'autofix.repository: enabled autofix needs a repository'],
    [{ paths: ['/etc/**'] }, 'autofix.paths.0: a path glob relative to the repository root'],
    [{ repository: { url: 'x', github: 'not a repo' } }, 'autofix.repository.github: OWNER/NAME'],
    [{ repository: { url: 'x' } }, 'autofix.repository: give either github: OWNER/NAME or gitlab: GROUP/NAME'],
    [{ repository: { url: 'x', github: 'a/b', gitlab: 'g/n' } }, 'autofix.repository: give either github'],
    [{ test: { command: [] } }, 'autofix.test.command'],
    [{ test: { command: ['pytest'], isolation: 'docker' } }, 'autofix.test.isolation'],
    [{ sandbox: true }, 'autofix.sandbox: unknown key'],
  ])('names the bad key in %j', (autofix, message) => {
    const parsed = parseConfig({ source: { path: 'logs.db' }, autofix });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });
});

describe('fixBranchName', () => {
  it('names the group and the day, with a suffix for later attempts', () => {
    expect(fixBranchName('5a7f6920b9b0d9aa', NOW, 1)).toBe('sentinel/5a7f6920-20261201');
    expect(fixBranchName('5a7f6920b9b0d9aa', NOW, 3)).toBe('sentinel/5a7f6920-20261201-3');
  });
});
