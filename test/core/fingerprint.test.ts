import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { appFramesOf, createFingerprinter, exceptionTypeOf, type FingerprintInput } from '../../src/core/fingerprint.js';

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

describe('appFramesOf', () => {
  it("keeps the application's own frames, innermost last, without line numbers", () => {
    const traceback = [
      'Traceback (most recent call last):',
      '  File "/srv/app/jobs/worker.py", line 88, in run',
      '    render(job)',
      '  File "/srv/app/jobs/render.py", line 12, in render',
      '    client.post(url)',
      '  File "/usr/lib/python3/dist-packages/requests/api.py", line 115, in post',
      '  File "/opt/venv/lib/python3.11/site-packages/urllib3/connection.py", line 203, in connect',
      '  File "<frozen importlib._bootstrap>", line 1007, in _find_and_load',
      'ConnectionError: refused',
    ].join('\n');
    expect(appFramesOf(traceback)).toBe('worker.py:run\nrender.py:render');
    expect(appFramesOf(traceback.replace('line 88', 'line 91'))).toBe(appFramesOf(traceback));
    expect(appFramesOf(null)).toBe('');
  });
});
