import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClaudeOutcome, ClaudeRunner } from '../../src/adapters/claude-runner.js';
import { createIncidentWriter } from '../../src/adapters/incident-writer.js';
import { openStateStore } from '../../src/adapters/state-store.js';
import { parseConfig } from '../../src/core/config.js';
import type { NoDiagnosis } from '../../src/core/investigation.js';
import { retryDelay } from '../../src/core/investigation-policy.js';
import type { StateStore } from '../../src/core/state-store.js';
import { PAUSE_KEY } from '../../src/stages/claude-pause.js';
import { investigateQueue } from '../../src/stages/investigate.js';
import { DIAGNOSIS } from '../support/autofix-e2e.js';
import { buildGroup } from '../support/groups.js';
import { tempDir } from '../support/temp.js';

const NOW = Date.UTC(2026, 10, 29, 12);
const HOUR = 3_600_000;
const TEMPLATE = readFileSync(new URL('../../prompts/investigate.md', import.meta.url), 'utf8');

/** The outcomes the real runner gives (adapters/claude-runner.ts), with its wording. */
const details = { durationMs: 1200, toolCalls: [], permissionDenials: [] };
const answers = {
  ok: (): ClaudeOutcome => ({ ...details, kind: 'ok', answer: DIAGNOSIS, subtype: 'success', costUsd: 0.12, numTurns: 4 }),
  failed: (): ClaudeOutcome => ({
    ...details,
    kind: 'failed',
    reason: 'claude ended without a structured answer (error_max_turns, 30 turns)',
    subtype: 'error_max_turns',
    costUsd: 0.05,
    numTurns: 30,
  }),
  timeout: (): ClaudeOutcome => ({ ...details, kind: 'timeout', reason: 'claude timed out after 600s and was killed (12 tool calls)' }),
  usageLimit: (resetsAt: number): ClaudeOutcome => ({ ...details, kind: 'usage_limit', reason: 'Claude AI usage limit reached', resetsAt }),
};

/** A runner that answers each call with the next scripted outcome, `afterMs` later. */
function fakeRunner(script: { outcome: ClaudeOutcome; afterMs?: number }[]): ClaudeRunner & { calls: number } {
  const runner = {
    calls: 0,
    async investigate() {
      const next = script[runner.calls++];
      if (!next) throw new Error('Claude asked more often than the test expected');
      await new Promise((resolve) => setTimeout(resolve, next.afterMs ?? 0));
      return next.outcome;
    },
  };
  return runner;
}

/** A state dir with `items` error investigations queued the way a run queues them (its commit). */
function setup(options: { investigate?: Record<string, unknown>; claude?: Record<string, unknown>; items?: number } = {}) {
  const dir = tempDir('sentinel-investigate-');
  const parsed = parseConfig({
    source: { path: join(dir, 'logs.db') },
    claude: { enabled: true, ...options.claude },
    investigate: { first_push_within: '10s', ...options.investigate },
  });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const state = openStateStore(join(dir, 'state'));
  const ids: number[] = [];
  for (let i = 0; i < (options.items ?? 1); i++) {
    const group = buildGroup({ fingerprint: `fp${i}`, template: `worker ${i} failed`, firstSeen: NOW - HOUR, lastSeen: NOW - 60_000 });
    const subject = { window: { from: NOW - HOUR, to: NOW }, groups: [group], rates: { [group.fingerprint]: 42 } };
    ids.push(commitQueuing(state, JSON.stringify(subject), group.fingerprint));
  }
  const incidentsDir = join(dir, 'incidents');
  let clock = NOW;
  const delivered: number[] = [];
  const diagnosed: string[] = [];
  const run = (claude: ClaudeRunner | NoDiagnosis) =>
    investigateQueue({
      config: parsed.config,
      state,
      writer: createIncidentWriter({ dir: incidentsDir }),
      incidentsDir,
      channels: ['ntfy'],
      now: () => clock,
      claude: 'investigate' in claude ? { runner: claude, tools: [] } : { unavailable: claude },
      promptTemplate: () => TEMPLATE,
      fallbackAnalyses: async () => [{ tool: 'error_group', text: 'rows per hour: 42' }],
      ignoreBackoff: false,
      deliverNow: async () => void delivered.push(clock),
      onDiagnosed: (path) => void diagnosed.push(path),
    });
  const file = (path: string) => readFileSync(path, 'utf8');
  return { state, ids, run, file, delivered, diagnosed, later: (ms: number) => (clock += ms) };
}

function commitQueuing(state: StateStore, subject: string, fingerprint: string): number {
  const queued = state.commitRun({
    runId: state.startRun('run', NOW, null, 4242),
    startedAt: NOW,
    checkpointFrom: 0,
    checkpointTo: 1,
    checkpoints: new Map(),
    tally: { rowsRead: 1, ignored: 0, redactions: 0, lastId: 1, groups: new Map(), ruleHits: new Map(), folds: [] },
    triggers: new Map(),
    learnerSnapshot: null,
    warnings: [],
    investigation: { kind: 'incident', subject, groups: [{ fingerprint, rate: 42 }] },
    now: NOW,
  });
  if (queued === null) throw new Error('the run queued nothing');
  return queued;
}

const pendingNotifications = (state: StateStore) => state.outboxCounts().pending ?? 0;

describe('investigateQueue', () => {
  it("writes Claude's diagnosis once: one incident, one notification, the queue empty, the call in the ledger", async () => {
    const t = setup();
    const runner = fakeRunner([{ outcome: answers.ok() }]);
    const result = await t.run(runner);
    expect(result).toMatchObject({ investigation: 'claude', costUsd: 0.12, retries: [] });
    expect(result.incidents).toHaveLength(1);
    expect(t.file(result.incidents[0]!)).toMatch(/^diagnosis: done$/m);
    expect(t.file(result.incidents[0]!)).toContain(DIAGNOSIS.title);
    expect(t.diagnosed).toEqual(result.incidents);
    expect(pendingNotifications(t.state)).toBe(1);
    expect(t.state.pendingInvestigations()).toBe(0);
    expect(t.state.claudeUsageSince(NOW - HOUR)).toEqual({ calls: 1, cost: 0.12 });
    expect(t.delivered).toEqual([]);
  });

  it.each([
    ['fails', answers.failed()],
    ['times out', answers.timeout()],
  ])('when Claude %s with attempts left: the first report goes out now, the retry updates the same file', async (_what, outcome) => {
    const t = setup();
    const first = await t.run(fakeRunner([{ outcome }]));
    expect(first.investigation).toBe('pending');
    expect(first.retries).toEqual([`attempt 1 of 3 failed: ${'reason' in outcome ? outcome.reason : ''}`]);
    expect(first.incidents).toHaveLength(1);
    const path = first.incidents[0]!;
    expect(t.file(path)).toMatch(/^diagnosis: pending$/m);
    expect(t.state.pendingInvestigations()).toBe(1);
    expect(pendingNotifications(t.state)).toBe(1);

    // Before the backoff nothing is due; after it, Claude answers and the file is rewritten in place.
    expect((await t.run(fakeRunner([]))).investigation).toBe('none');
    t.later(retryDelay(1));
    const retry = await t.run(fakeRunner([{ outcome: answers.ok() }]));
    expect(retry).toMatchObject({ investigation: 'claude', incidents: [path] });
    expect(t.file(path)).toMatch(/^diagnosis: done$/m);
    expect(t.state.pendingInvestigations()).toBe(0);
    expect(pendingNotifications(t.state)).toBe(2); // the first push and one follow-up
  });

  it('when the last attempt fails: the fallback report is the last word, the item done', async () => {
    const t = setup({ investigate: { max_attempts: 1 } });
    const result = await t.run(fakeRunner([{ outcome: answers.failed() }]));
    expect(result).toMatchObject({ investigation: 'fallback', costUsd: 0.05, retries: [] });
    expect(t.file(result.incidents[0]!)).toMatch(/^diagnosis: none$/m);
    expect(t.file(result.incidents[0]!)).toContain('rows per hour: 42');
    expect(t.state.pendingInvestigations()).toBe(0);
    expect(t.diagnosed).toEqual([]);
  });

  it('when Claude is slow: the first report leaves after first_push_within and is delivered at once; the answer updates it', async () => {
    const t = setup({ investigate: { first_push_within: '100ms' } });
    const result = await t.run(fakeRunner([{ outcome: answers.ok(), afterMs: 600 }]));
    expect(t.delivered).toHaveLength(1);
    expect(result.investigation).toBe('claude');
    expect(new Set(result.incidents).size).toBe(1); // one file, written then updated
    expect(t.file(result.incidents[0]!)).toMatch(/^diagnosis: done$/m);
    expect(pendingNotifications(t.state)).toBe(2);
  });

  it('asks Claude once a run: the other items get their first report now, and are not reported twice while they wait', async () => {
    const t = setup({ items: 3 });
    const runner = fakeRunner([{ outcome: answers.ok() }]);
    const result = await t.run(runner);
    expect(runner.calls).toBe(1);
    expect(result.incidents).toHaveLength(3);
    for (const waiting of result.incidents.slice(1)) expect(t.file(waiting)).toMatch(/^diagnosis: pending$/m);
    expect(t.state.pendingInvestigations()).toBe(2);
    expect(pendingNotifications(t.state)).toBe(3);
    // The next run asks Claude about the second and updates its file; the third, still waiting, is left alone.
    const next = await t.run(fakeRunner([{ outcome: answers.ok() }]));
    expect(next.incidents).toEqual([result.incidents[1]]);
    expect(t.state.pendingInvestigations()).toBe(1);
    expect(pendingNotifications(t.state)).toBe(4);
  });

  it.each<[string, Record<string, unknown>, NoDiagnosis | null, RegExp]>([
    ['Claude disabled', {}, { kind: 'disabled' }, /^diagnosis: none$/m],
    ['the daily limit of calls reached', { daily_max_runs: 0 }, null, /^diagnosis: none$/m],
  ])('without Claude (%s): the fallback report at once, Claude never started', async (_what, claude, unavailable, line) => {
    const t = setup({ claude });
    const runner = fakeRunner([]);
    const result = await t.run(unavailable ?? runner);
    expect(runner.calls).toBe(0);
    expect(result.investigation).toBe('fallback');
    expect(t.file(result.incidents[0]!)).toMatch(line);
    expect(t.state.pendingInvestigations()).toBe(0);
    expect(t.state.claudeUsageSince(0).calls).toBe(0);
  });

  it("a subscription's usage limit pauses Claude until its reset: no call is made before it", async () => {
    const t = setup({ items: 2 });
    const resetsAt = NOW + 2 * HOUR;
    const result = await t.run(fakeRunner([{ outcome: answers.usageLimit(resetsAt) }]));
    expect(t.state.getMeta(PAUSE_KEY)).toBe(String(resetsAt));
    expect(t.state.warningsSince(0)).toEqual([expect.objectContaining({ kind: 'claude_usage_limit' })]);
    expect(result.incidents).toHaveLength(2);
    t.later(HOUR);
    const runner = fakeRunner([]);
    await t.run(runner);
    expect(runner.calls).toBe(0);
  });

  it('a run killed while Claude worked: the next run pushes the first report without waiting for the backoff', async () => {
    const t = setup();
    t.state.claimAttempt(t.ids[0]!, NOW + retryDelay(1)); // what the killed run recorded before its call
    const runner = fakeRunner([]);
    const result = await t.run(runner);
    expect(runner.calls).toBe(0);
    expect(result.investigation).toBe('pending');
    expect(t.file(result.incidents[0]!)).toMatch(/^diagnosis: pending$/m);
  });

  it('every attempt claimed and none came back (killed during each call): the fallback, no further call', async () => {
    const t = setup({ investigate: { max_attempts: 2 } });
    for (let i = 0; i < 2; i++) t.state.claimAttempt(t.ids[0]!, NOW - 1);
    const runner = fakeRunner([]);
    const result = await t.run(runner);
    expect(runner.calls).toBe(0);
    expect(result.investigation).toBe('fallback');
    expect(t.file(result.incidents[0]!)).toMatch(/^diagnosis: none$/m);
    expect(t.state.pendingInvestigations()).toBe(0);
  });
});
