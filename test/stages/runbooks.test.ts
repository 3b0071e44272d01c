import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/core/config.js';
import { matchRunbooks } from '../../src/stages/investigation-context.js';
import { buildGroup } from '../support/groups.js';

const runbooksOf = (runbooks: unknown[]) => {
  const parsed = parseConfig({ source: { path: 'logs.db' }, runbooks });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.runbooks;
};

describe('runbooks: a triggered group that matches brings its Markdown', () => {
  const groups = [
    buildGroup({ fingerprint: 'aaaa', logger: 'app.jobs.tts', exceptionType: 'TimeoutError' }),
    buildGroup({
      fingerprint: 'bbbb',
      logger: 'payments.webhook',
      exceptionType: 'KeyError',
      template: 'webhook <*> returned <num>',
      samples: [{ id: 7, time: 0, message: 'webhook stripe returned 500', exception: null, extra: null }],
    }),
  ];

  it.each([
    [{ fingerprint: 'bbbb' }, ['bbbb']],
    [{ logger: 'app.*' }, ['aaaa']],
    [{ logger: 'app.jobs.*', exception: 'TimeoutError' }, ['aaaa']],
    [{ logger: 'app.jobs.*', exception: 'KeyError' }, []],
    [{ message: '^webhook' }, ['bbbb']],
    [{ message: 'calling gemini' }, ['aaaa']], // a sample's message, not only the template
    [{ exception: 'ValueError' }, []],
  ])('%j matches %j', (match, fingerprints) => {
    const matched = matchRunbooks(runbooksOf([{ match, file: 'r.md' }]), groups);
    expect(matched.flatMap((m) => m.fingerprints)).toEqual(fingerprints);
  });

  it.each([
    [[{ match: {}, file: 'r.md' }], 'runbooks.0.match: needs at least one of fingerprint, logger, message, exception'],
    [[{ match: { message: '(' }, file: 'r.md' }], 'runbooks.0.match.message: invalid regular expression'],
    [[{ match: { logger: 'x' } }], 'runbooks.0.file:'],
  ])('a bad entry is a config error naming the key: %j', (runbooks, message) => {
    const parsed = parseConfig({ source: { path: 'logs.db' }, runbooks });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });

  it('code: one root or several', () => {
    const one = parseConfig({ source: { path: 'logs.db' }, code: { root: '/srv/app' } });
    const two = parseConfig({ source: { path: 'logs.db' }, code: [{ root: '/srv/app', include: ['**/*.py'] }, { root: '/srv/worker' }] });
    expect(one.ok && one.config.code).toEqual([{ root: '/srv/app', include: ['**/*'], exclude: [] }]);
    expect(two.ok && two.config.code.map((c) => c.root)).toEqual(['/srv/app', '/srv/worker']);
    expect(parseConfig({ source: { path: 'logs.db' }, code: { root: '/srv/app', includes: [] } })).toEqual({
      ok: false,
      errors: ['code.includes: unknown key (did you mean include?)'],
    });
  });
});
