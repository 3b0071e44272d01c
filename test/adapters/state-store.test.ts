import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { StateStore } from '../../src/core/state-store.js';
import type { GroupTally, RunTally } from '../../src/core/tally.js';
import { tempDir } from '../support/temp.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0);
const MINUTE = 60_000;

describe('the state store commit', () => {
  it('commits a rule that matched rows in more distinct minutes than a call can take arguments (a reset reading months of logs)', () => {
    const state = openStateStore(tempDir('sentinel-state-'));
    const minutes = new Map<number, number>();
    // 200 000 minutes ≈ 139 days of a noisy ignored warning once a minute.
    for (let i = 0; i < 200_000; i++) minutes.set(T0 - (200_000 - i) * MINUTE, 1);
    const tally: RunTally = {
      rowsRead: 200_000,
      ignored: 200_000,
      redactions: 0,
      lastId: 200_000,
      groups: new Map(),
      ruleHits: new Map([['r1', minutes]]),
      folds: [],
    };
    const runId = state.startRun('run', T0, null, 4242);
    state.commitRun({
      runId,
      startedAt: T0,
      checkpointFrom: 0,
      checkpointTo: 200_000,
      checkpoints: new Map([['main', { id: 200_000, identity: 'x' }]]),
      tally,
      triggers: new Map(),
      learnerSnapshot: null,
      warnings: [],
      investigation: null,
      now: T0,
    });
    expect(state.checkpoint()).toEqual({ id: 200_000, identity: 'x' });
    expect(state.ruleStats('r1', T0).lastHit).toBe(T0 - MINUTE);
    state.close();
  });
});

describe('folding a splinter group into its survivor', () => {
  const HOUR = 3_600_000;
  const group = (fingerprint: string, count: number, firstSeen: number): GroupTally => ({
    fingerprint,
    template: `template of ${fingerprint}`,
    exceptionType: null,
    logger: 'app',
    function: 'f',
    levelNo: fingerprint === 'splinter' ? 50 : 40,
    levelName: fingerprint === 'splinter' ? 'CRITICAL' : 'ERROR',
    count,
    firstSeen,
    lastSeen: firstSeen + 10 * MINUTE,
    samples: [],
    hours: new Map([[Math.floor(firstSeen / HOUR) * HOUR, count]]),
    escalatedByRule: null,
  });
  const commit = (state: StateStore, groups: GroupTally[], folds: RunTally['folds'], now: number, investigated?: string) =>
    state.commitRun({
      runId: state.startRun('run', now, null, 4242),
      startedAt: now,
      checkpointFrom: 0,
      checkpointTo: 1,
      checkpoints: new Map([['app', { id: 1, identity: null }]]),
      tally: {
        rowsRead: 0,
        ignored: 0,
        redactions: 0,
        lastId: 0,
        groups: new Map(groups.map((g) => [g.fingerprint, g])),
        ruleHits: new Map(),
        folds,
      },
      triggers: new Map(),
      learnerSnapshot: null,
      warnings: [],
      investigation: investigated ? { kind: 'incident', subject: '{}', groups: [{ fingerprint: investigated, rate: 7 }] } : null,
      now,
    });

  it('moves counts, hours, level and cooldown to the survivor, keeps its status, and aliases the splinter', () => {
    const state = openStateStore(tempDir('sentinel-state-'));
    commit(state, [group('survivor', 5, T0 - 3 * HOUR)], [], T0 - 3 * HOUR);
    commit(state, [group('splinter', 3, T0 - 2 * HOUR)], [], T0 - 2 * HOUR, 'splinter');
    state.setStatus('survivor', 'resolved', T0 - HOUR);
    state.addAliases([['older-alias', 'splinter']]);
    commit(state, [], [{ from: 'splinter', to: 'survivor', rows: 0, template: 'template of splinter' }], T0);

    expect(state.countGroups()).toBe(1);
    const survivor = state.group('splinter')!;
    expect(survivor).toMatchObject({
      fingerprint: 'survivor',
      total: 8,
      levelName: 'CRITICAL',
      status: 'resolved',
      lastInvestigatedAt: T0 - 2 * HOUR,
      lastInvestigatedRate: 7,
    });
    expect(survivor.firstSeen).toBe(T0 - 3 * HOUR);
    expect(state.countBetween('survivor', T0 - 4 * HOUR, T0)).toBe(8);
    expect(state.countBetween('splinter', T0 - 4 * HOUR, T0)).toBe(0);
    expect(state.canonicalFingerprint('older-alias')).toBe('survivor');
    expect(state.foldCounts()).toEqual(new Map([['survivor', 1]]));
    expect(state.setStatus('splinter', 'active', T0)).toBe(true);
    expect(state.group('survivor')!.status).toBe('active');
    state.close();
  });
});
