import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { Notifier, SendResult } from '../../src/core/notification.js';
import { deliverOutbox } from '../../src/stages/deliver.js';
import { tempDir } from '../support/temp.js';

const NOW = Date.UTC(2026, 10, 29, 12);
const HOUR = 3_600_000;

function storeWithOutbox(messages: number) {
  const state = openStateStore(tempDir('sentinel-deliver-'));
  for (let i = 0; i < messages; i++) {
    const id = state.queueHealthInvestigation('{}', [], NOW);
    state.reserveIncident(id, `incident-${i}.md`, '{}');
    state.completeInvestigation(
      id,
      NOW,
      [{ channel: 'ntfy', payload: JSON.stringify({ title: `t${i}`, message: 'm', severity: 'low', tags: [] }) }],
      [],
    );
  }
  return state;
}

const notifier = (answers: SendResult[], sent: string[]): Notifier => ({
  name: 'ntfy',
  send: async (n) => {
    const answer = answers.shift() ?? { kind: 'sent' };
    if (answer.kind === 'sent') sent.push(n.title);
    return answer;
  },
});

describe('deliverOutbox', () => {
  it('sends in order, and a failing channel stops for the run so its messages stay in order', async () => {
    const state = storeWithOutbox(3);
    const sent: string[] = [];
    const ntfy = notifier([{ kind: 'sent' }, { kind: 'retry', reason: 'ntfy: HTTP 500' }], sent);
    const first = await deliverOutbox({
      state,
      notifiers: new Map([['ntfy', ntfy]]),
      maxAgeMs: 24 * HOUR,
      now: () => NOW,
      ignoreBackoff: false,
      channelConfigs: new Map(),
    });
    expect(first).toMatchObject({ sent: 1 });
    expect(sent).toEqual(['t0']);
    const later = await deliverOutbox({
      state,
      notifiers: new Map([['ntfy', ntfy]]),
      maxAgeMs: 24 * HOUR,
      now: () => NOW + HOUR,
      ignoreBackoff: false,
      channelConfigs: new Map(),
    });
    expect(later.sent).toBe(2);
    expect(sent).toEqual(['t0', 't1', 't2']);
  });

  it("caps a server's Retry-After at an hour, so one answer cannot stall a channel for good", async () => {
    const state = storeWithOutbox(1);
    const sent: string[] = [];
    const ntfy = notifier([{ kind: 'retry', reason: 'ntfy: HTTP 429', retryAfterMs: 10 * 365 * 24 * HOUR }], sent);
    await deliverOutbox({
      state,
      notifiers: new Map([['ntfy', ntfy]]),
      maxAgeMs: 24 * HOUR,
      now: () => NOW,
      ignoreBackoff: false,
      channelConfigs: new Map(),
    });
    expect(state.pendingOutbox(NOW + HOUR)).toHaveLength(1);
    await deliverOutbox({
      state,
      notifiers: new Map([['ntfy', ntfy]]),
      maxAgeMs: 24 * HOUR,
      now: () => NOW + HOUR,
      ignoreBackoff: false,
      channelConfigs: new Map(),
    });
    expect(sent).toEqual(['t0']);
  });

  it('drops a message older than notify.max_age with a warning status shows', async () => {
    const state = storeWithOutbox(1);
    const result = await deliverOutbox({
      state,
      notifiers: new Map([['ntfy', notifier([], [])]]),
      maxAgeMs: HOUR,
      now: () => NOW + 2 * HOUR,
      ignoreBackoff: false,
      channelConfigs: new Map(),
    });
    expect(result.sent).toBe(0);
    expect(result.problems[0]).toMatch(/dropped after 1h undelivered \(notify\.max_age\)/);
    expect(state.warningsSince(0)).toEqual([expect.objectContaining({ kind: 'notification-dropped' })]);
  });
});
