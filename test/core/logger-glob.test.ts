import { describe, expect, it } from 'vitest';
import { checkLoggerGlob, compileLoggerGlob } from '../../src/core/logger-glob.js';
import { createIgnoreMatcher } from '../../src/core/ignore.js';
import { parseIgnoreRules } from '../../src/core/ignore-schema.js';

describe('logger globs', () => {
  it.each([
    ['app.*', 'app.billing', true],
    ['app.*', 'app.billing.stripe', true],
    ['app.*', 'app', false],
    ['app.*', 'other.billing', false],
    ['app.billing', 'app.billing', true],
    ['app.billing', 'app.billingx', false],
    ['app.b?lling', 'app.billing', true],
    ['app.*.retry', 'app.jobs.retry', true],
    ['*', 'a/b', false],
    ['**', 'a/b', true],
    ['app.[bc]illing', 'app.cilling', true],
    ['app.[!bc]illing', 'app.billing', false],
    ['app.[a-c]illing', 'app.billing', true],
    ['app.{tts,llm}', 'app.llm', true],
    ['app.{tts,llm}', 'app.stt', false],
    ['app.{jobs.{tts,stt},llm}', 'app.jobs.stt', true],
    ['app.{tts', 'app.{tts', true],
    ['app.[tts', 'app.[tts', true],
    ['app\\*', 'app*', true],
    ['app\\*', 'appx', false],
    ['(a|b)+$', '(a|b)+$', true],
    ['app.+', 'app.+', true],
    ['app.+', 'app.x', false],
    ['émoji.*', 'émoji.ü', true],
  ])('%s against %s is %s', (glob, logger, expected) => {
    expect(compileLoggerGlob(glob)(logger)).toBe(expected);
  });

  // No timing assertion: a backtracking matcher runs far past the test timeout on these.
  it.each([
    ['*a*a*a*a*a*a*b', 'a'.repeat(200)],
    ['*.*.*.*.*x', '.'.repeat(200)],
    ['**a**a**a**a**a**a**b', 'a'.repeat(5000)],
    ['{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}{a,aa}b', 'a'.repeat(5000)],
  ])('matches %s in linear time', (glob, logger) => {
    expect(compileLoggerGlob(glob)(logger)).toBe(false);
  });

  it('parses a glob of nested unbalanced braces without blowing up', () => {
    const glob = '{'.repeat(1000);
    expect(checkLoggerGlob(glob)).toBeNull();
    expect(compileLoggerGlob(glob)(glob)).toBe(true);
  });

  it('a glob that cannot compile is an ignore-file error, not a crash mid-run', () => {
    const parsed = parseIgnoreRules([{ id: 'r1', match: { logger: 'app.[z-a]' }, reason: 'x' }]);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]).toMatch(/^rule r1: match\.logger: invalid logger glob "app\.\[z-a\]"/);
  });

  it('an ignore rule pasted with a hostile logger glob still matches rows quickly', () => {
    const parsed = parseIgnoreRules([{ id: 'r1', match: { logger: '*a*a*a*a*a*a*b' }, reason: 'pasted' }]);
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const matcher = createIgnoreMatcher(parsed.rules, 0);
    const subject = { fingerprint: 'f', message: 'm', exceptionType: null, levelName: 'ERROR' };
    expect(matcher.match({ ...subject, logger: 'a'.repeat(200) })).toBeNull();
    expect(matcher.match({ ...subject, logger: `${'a'.repeat(200)}b` })?.id).toBe('r1');
  });
});
