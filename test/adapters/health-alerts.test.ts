import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import { tempDir } from '../support/temp.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0);

describe('health alerts in the state DB', () => {
  it("queues a health investigation and starts its series' cooldown together, and keeps it across opens", () => {
    const dir = tempDir('sentinel-state-');
    const state = openStateStore(dir);
    expect(state.healthAlerts()).toEqual(new Map());
    const id = state.queueHealthInvestigation('{"series":[]}', ['metric:queue_depth', 'system:/ disk used'], T0);
    state.queueHealthInvestigation('{"series":[]}', ['metric:queue_depth'], T0 + 1000);
    expect(state.dueInvestigations(T0 + 1000)).toMatchObject([
      { id, kind: 'health', state: 'queued', subject: '{"series":[]}' },
      { kind: 'health' },
    ]);
    state.close();

    const again = openStateStore(dir, { readonly: true });
    expect(again.healthAlerts()).toEqual(
      new Map([
        ['metric:queue_depth', T0 + 1000],
        ['system:/ disk used', T0],
      ]),
    );
    again.close();
  });

  it('a dry run on a state dir that was never written reads no alerts', () => {
    const state = openStateStore(tempDir('sentinel-state-'), { readonly: true });
    expect(state.healthAlerts().size).toBe(0);
    state.close();
  });
});
