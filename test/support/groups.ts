import type { TriggeredGroup } from '../../src/core/prompt.js';

export const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);

/** A triggered ERROR group with one sample; override what a test is about. */
export function buildGroup(overrides: Partial<TriggeredGroup> = {}): TriggeredGroup {
  return {
    fingerprint: '3f2a9c0d1e4b5a69',
    template: 'Timeout after <*>s calling <*>',
    exceptionType: 'TimeoutError',
    logger: 'app.jobs.tts',
    function: 'synthesize',
    levelNo: 40,
    count: 42,
    firstSeen: T0 - 3_600_000,
    lastSeen: T0 - 60_000,
    samples: [
      {
        id: 1001,
        time: T0 - 3_600_000,
        message: 'Timeout after 30s calling gemini',
        exception: 'Traceback (most recent call last):\n  File "tts.py", line 12, in synthesize\nTimeoutError: 30s',
        extra: '{"job": 17, "api": "gemini"}',
      },
    ],
    trigger: 'new',
    triggerReason: 'never seen before',
    ...overrides,
  };
}
