import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { RunTally } from '../../src/core/tally.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0);
const MINUTE = 60_000;

describe('the state store commit', () => {
  it('commits a rule that matched rows in more distinct minutes than a call can take arguments (a reset reading months of logs)', () => {
    const state = openStateStore(mkdtempSync(join(tmpdir(), 'sentinel-state-')));
    const minutes = new Map<number, number>();
    // 200 000 minutes ≈ 139 days of a noisy ignored warning once a minute.
    for (let i = 0; i < 200_000; i++) minutes.set(T0 - (200_000 - i) * MINUTE, 1);
    const tally: RunTally = { rowsRead: 200_000, ignored: 200_000, redactions: 0, lastId: 200_000, groups: new Map(), ruleHits: new Map([['r1', minutes]]) };
    const runId = state.startRun('run', T0, null);
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
