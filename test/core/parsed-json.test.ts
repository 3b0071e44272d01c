import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../src/core/config.js';
import { parseIgnoreRules } from '../../src/core/ignore-schema.js';
import { reviveParsed, serializeParsed } from '../../src/core/parsed-json.js';
import type { SafeRegex } from '../../src/core/safe-regex.js';

const example = readFileSync(fileURLToPath(new URL('../../examples/sentinel.yaml', import.meta.url)), 'utf8');

function parsedExample(extra: Record<string, unknown> = {}) {
  const parsed = parseConfig({ ...parse(example), ...extra });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config;
}

describe('a parsed config as JSON (the parsed-file cache)', () => {
  it('gives the example config back as it was parsed', () => {
    const config = parsedExample();
    const text = serializeParsed(config);
    expect(text).not.toBeNull();
    expect(reviveParsed(text!)).toEqual(config);
  });

  it('writes an operator pattern as its source and compiles it again, with RE2 semantics', () => {
    const config = parsedExample({ redact: { patterns: ['order_ref=([A-Z0-9]{8})'] } });
    const revived = reviveParsed(serializeParsed(config)!) as typeof config;
    const [pattern] = revived.redact.patterns as SafeRegex[];
    expect(pattern!.source).toBe('order_ref=([A-Z0-9]{8})');
    expect(pattern!.spans('paid order_ref=AB12CD34 ok')).toEqual([[15, 23]]);
    expect(pattern!.test('order_ref=short')).toBe(false);
  });

  it('gives ignore rules back with their patterns, globs, dates and rates', () => {
    const parsed = parseIgnoreRules(
      parse(`- id: r1
  match: {message: '^Timeout (calling|to) \\w+', logger: 'app.*', level: warn}
  reason: retried
  until: 2027-01-01
  unless: {count: 5, per: 1h}
`),
    );
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    const revived = reviveParsed(serializeParsed(parsed.rules)!) as typeof parsed.rules;
    expect(revived[0]!.match.message!.test('Timeout calling gemini')).toBe(true);
    expect({ ...revived[0], match: { ...revived[0]!.match, message: undefined } }).toEqual({
      ...parsed.rules[0],
      match: { ...parsed.rules[0]!.match, message: undefined },
    });
  });

  it.each([
    ['undefined', { a: undefined }],
    ['a function', { a: () => 1 }],
    ['a non-finite number', { a: Number.POSITIVE_INFINITY }],
    ['NaN in a list', [1, Number.NaN]],
    ['a date', { a: new Date(0) }],
    ['a map', { a: new Map() }],
    ['a plain RegExp', { a: /x/ }],
    ['an object that looks like a written pattern', { a: { $safeRegex: 'x' } }],
  ])('refuses a value JSON would not give back exactly: %s', (_, value) => {
    expect(serializeParsed(value)).toBeNull();
  });

  it('reads anything but its own text as nothing', () => {
    expect(reviveParsed('{"a": 1')).toBeNull();
    expect(reviveParsed('{"$safeRegex": "(unclosed"}')).toBeNull();
  });
});
