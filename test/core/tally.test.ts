import { describe, expect, it } from 'vitest';
import { createFingerprinter } from '../../src/core/fingerprint.js';
import { createIgnoreMatcher } from '../../src/core/ignore.js';
import { parseIgnoreRules, type IgnoreRule } from '../../src/core/ignore-schema.js';
import { createTally } from '../../src/core/tally.js';
import { contextKey, createTemplateLearner } from '../../src/core/template.js';
import type { LogRow } from '../../src/core/types.js';

const NOW = Date.UTC(2026, 10, 29, 12, 30);
const MINUTE = 60_000;

const row = (id: number, message: string, extra: Partial<LogRow> = {}): LogRow => ({
  id,
  time: NOW - MINUTE,
  levelNo: 40,
  levelName: 'ERROR',
  message,
  logger: 'app.jobs',
  function: 'run',
  line: 10,
  exception: null,
  extra: null,
  ...extra,
});

function rules(yaml: unknown[]): IgnoreRule[] {
  const parsed = parseIgnoreRules(yaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.rules;
}

function tallyOf(rows: LogRow[], ignore: IgnoreRule[] = [], prior = 0) {
  const tally = createTally({
    clean: (r) => ({ row: r, redactions: 0 }),
    templateOf: (message) => ({ key: message.replace(/\d+/g, '<num>'), template: message.replace(/\d+/g, '<num>') }),
    decide: () => [],
    fingerprinter: createFingerprinter([]),
    ignore: createIgnoreMatcher(ignore, NOW),
    priorRuleHits: () => prior,
    now: NOW,
  });
  rows.forEach((r) => tally.add(r));
  return tally.finish();
}

describe('tally', () => {
  it('groups rows by fingerprint, keeping counts, the highest level and up to 3 distinct samples', () => {
    const result = tallyOf([
      row(1, 'job 1 failed'),
      row(2, 'job 2 failed', { levelNo: 50, levelName: 'CRITICAL' }),
      row(3, 'job 2 failed'),
      row(4, 'job 3 failed'),
      row(5, 'job 4 failed'),
      row(6, 'disk full'),
    ]);
    expect(result).toMatchObject({ rowsRead: 6, ignored: 0, lastId: 6 });
    const jobs = [...result.groups.values()].find((g) => g.template === 'job <num> failed')!;
    expect(jobs).toMatchObject({ count: 5, levelName: 'CRITICAL' });
    expect(jobs.samples.map((s) => s.message)).toEqual(['job 1 failed', 'job 2 failed', 'job 3 failed']);
    expect(result.groups.size).toBe(2);
  });

  it('the same message from another logger or exception type is another group', () => {
    const result = tallyOf([
      row(1, 'failed'),
      row(2, 'failed', { logger: 'app.api' }),
      row(3, 'failed', { exception: 'Traceback…\nValueError: x' }),
    ]);
    expect(result.groups.size).toBe(3);
  });

  it('counts a row stamped in the future at the time it was read, a garbage time likewise', () => {
    const result = tallyOf([row(1, 'a', { time: NOW + 86_400_000 }), row(2, 'a', { time: null })]);
    const group = [...result.groups.values()][0]!;
    expect(group.lastSeen).toBe(NOW);
    expect([...group.hours.keys()]).toEqual([Date.UTC(2026, 10, 29, 12)]);
  });

  it('ignored rows are counted per rule and minute, not grouped', () => {
    const result = tallyOf(
      [row(1, 'retrying 1'), row(2, 'retrying 2'), row(3, 'real')],
      rules([{ id: 'r', match: { message: '^retrying' }, reason: 'expected' }]),
    );
    expect(result.ignored).toBe(2);
    expect([...result.groups.values()].map((g) => g.template)).toEqual(['real']);
    expect([...result.ruleHits.get('r')!.values()]).toEqual([2]);
  });

  it.each([
    ['under the bound: ignored', 2, 0, 2, null],
    ['over the bound within the window: escalating', 4, 0, 0, 'r'],
    ['over the bound with hits of earlier runs: escalating', 2, 2, 0, 'r'],
  ])('unless 3/1h, %s', (_label, recent, prior, ignored, escalatedBy) => {
    const rows = Array.from({ length: recent }, (_, i) => row(i + 1, `retrying ${i}`));
    const result = tallyOf(
      rows,
      rules([{ id: 'r', match: { message: '^retrying' }, reason: 'expected', unless: { count: 3, per: '1h' } }]),
      prior,
    );
    expect(result.ignored).toBe(ignored);
    expect([...result.groups.values()][0]?.escalatedByRule ?? null).toBe(escalatedBy);
  });

  it('unless counts only rows inside its window: a backlog spread over days does not escalate', () => {
    const rows = Array.from({ length: 10 }, (_, i) => row(i + 1, `retrying ${i}`, { time: NOW - (i + 2) * 3_600_000 }));
    const result = tallyOf(
      rows,
      rules([{ id: 'r', match: { message: '^retrying' }, reason: 'expected', unless: { count: 3, per: '1h' } }]),
    );
    expect(result.ignored).toBe(10);
    expect(result.groups.size).toBe(0);
  });

  it('rows escalated by an unless rule merge into their group with their level: an escalated CRITICAL is not shown as a WARNING', () => {
    const rows = [
      row(1, 'worker 1 stalled', { levelNo: 30, levelName: 'WARNING' }),
      ...[2, 3, 4, 5].map((id) => row(id, `worker ${id} stalled`, { levelNo: 50, levelName: 'CRITICAL' })),
    ];
    const result = tallyOf(rows, rules([{ id: 'r', match: { level: 'CRITICAL' }, reason: 'flaps', unless: { count: 3, per: '1h' } }]));
    expect([...result.groups.values()]).toEqual([
      expect.objectContaining({ count: 5, levelNo: 50, levelName: 'CRITICAL', escalatedByRule: 'r' }),
    ]);
  });

  it('an expired rule no longer matches', () => {
    const result = tallyOf([row(1, 'retrying')], rules([{ id: 'r', match: { message: 'retrying' }, reason: 'x', until: '2026-01-01' }]));
    expect(result.ignored).toBe(0);
  });
});

describe('tally with the template learner', () => {
  const withLearner = (rows: LogRow[], learner = createTemplateLearner()) => {
    const tally = createTally({
      clean: (r) => ({ row: r, redactions: 0 }),
      templateOf: (message, context) => learner.templateOf(message, context),
      decide: () => learner.decide(),
      fingerprinter: createFingerprinter([]),
      ignore: createIgnoreMatcher([], NOW),
      priorRuleHits: () => 0,
      now: NOW,
    });
    rows.forEach((r) => tally.add(r));
    return { result: tally.finish(), learner };
  };
  const ids = ['bravo-oscar-kilo', 'alpha-lima-echo', 'delta-golf-papa', 'hotel-mike-romeo'];

  it('decides after the run: the splinters of a digit-free id are one group, each fold recorded', () => {
    const { result } = withLearner(ids.map((id, i) => row(i + 1, `Batch ${id} produced no output`)));
    expect([...result.groups.values()].map((g) => [g.count, g.template])).toEqual([[4, 'Batch <*> produced no output']]);
    const survivor = [...result.groups.keys()][0];
    expect(result.folds).toHaveLength(3);
    expect(result.folds.every((f) => f.to === survivor && f.rows === 1 && f.from !== survivor)).toBe(true);
  });

  it('names the splinters of an earlier run that have no rows in this one', () => {
    const learner = createTemplateLearner();
    const context = contextKey({ exceptionType: null, logger: 'app.jobs', function: 'run', frames: '' });
    learner.templateOf('Batch bravo-oscar-kilo produced no output', context);
    learner.templateOf('Batch alpha-lima-echo produced no output', context);
    const { result } = withLearner([row(1, 'Batch delta-golf-papa produced no output')], learner);
    expect(result.groups.size).toBe(1);
    expect(result.folds.map((f) => f.rows)).toEqual([0, 1]);
    expect(new Set(result.folds.map((f) => f.to))).toEqual(new Set(result.groups.keys()));
  });
});
