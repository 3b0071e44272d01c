import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { createFingerprinter, exceptionTypeOf, type FingerprintInput } from '../../src/core/fingerprint.js';

const input = (over: Partial<FingerprintInput> = {}): FingerprintInput => ({
  message: 'Timeout calling gemini after 30s',
  template: 'Timeout calling gemini after <duration>',
  exceptionType: null,
  logger: 'app.llm',
  function: 'generate',
  line: 12,
  levelName: 'ERROR',
  ...over,
});

function rules(list: unknown[]) {
  const parsed = parseConfig({ source: { path: 'x' }, fingerprint: { rules: list } });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.fingerprint.rules;
}

describe('exceptionTypeOf', () => {
  it.each([
    ['Traceback (most recent call last):\n  File "a.py", line 1, in f\nValueError: bad input\n', 'ValueError'],
    ['Traceback…\nrequests.exceptions.ConnectionError: refused', 'requests.exceptions.ConnectionError'],
    ['Traceback…\nStopIteration', 'StopIteration'],
    ['Traceback…\n  File "x"\n    └ 3\n', null],
    [null, null],
  ])('%j → %s', (traceback, type) => expect(exceptionTypeOf(traceback)).toBe(type));
});

describe('fingerprints', () => {
  const plain = createFingerprinter([]);

  it('are stable 16-hex hashes of exception type, template, logger and function', () => {
    expect(plain.fingerprintOf(input())).toMatch(/^[0-9a-f]{16}$/);
    expect(plain.fingerprintOf(input({ message: 'other text', line: 99 }))).toBe(plain.fingerprintOf(input()));
    for (const change of [{ template: 'x' }, { logger: 'app.tts' }, { function: 'retry' }, { exceptionType: 'TimeoutError' }]) {
      expect(plain.fingerprintOf(input(change))).not.toBe(plain.fingerprintOf(input()));
    }
  });

  it('a merge rule gives every matching row its fixed name', () => {
    const merge = createFingerprinter(rules([{ match: { logger: 'app.*', message: '^Timeout' }, name: 'upstream-timeouts' }]));
    expect(merge.fingerprintOf(input())).toBe('upstream-timeouts');
    expect(merge.fingerprintOf(input({ logger: 'worker' }))).toBe(plain.fingerprintOf(input({ logger: 'worker' })));
  });

  it('a split rule refines the default by the message regex captures', () => {
    const split = createFingerprinter(rules([{ match: { message: 'calling (\\w+)' }, split_by: ['captures'] }]));
    const gemini = split.fingerprintOf(input());
    const inworld = split.fingerprintOf(input({ message: 'Timeout calling inworld after 30s' }));
    expect(gemini).not.toBe(inworld);
    expect(gemini).not.toBe(plain.fingerprintOf(input()));
    expect(split.fingerprintOf(input({ message: 'Timeout calling gemini after 99s' }))).toBe(gemini);
  });
});
