import { describe, expect, it } from 'vitest';
import { cleanField, cleanRow, createRowCleaner, FIELD_CAPS } from '../../src/core/clean.js';
import { createRedactor } from '../../src/core/redact.js';
import type { LogRow } from '../../src/core/types.js';
import { FAKE_SECRETS, findLeaks } from '../fixtures/secrets.js';
import { splitCapped } from '../support/capped.js';

const redactor = createRedactor();
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('cleanField without a redactor', () => {
  it('strips before capping, so escapes do not count against the cap', () => {
    const text = `${'\x1b[31m'.repeat(2000)}real message`;
    expect(cleanField(text, 4096).text).toBe('real message');
  });

  it.each([
    ['a run of one letter', 'a'.repeat(10_000_000)],
    ['an unterminated CSI', `\x1b[${'0'.repeat(10_000_000)}`],
    ['NUL bytes', '\x00'.repeat(10_000_000)],
    ['surrogate halves', '\ud83d'.repeat(5_000_000)],
    ['key-like prefixes', 'sk-ant-'.repeat(1_500_000)],
  ])('bounds a 10 MB line of %s to the cap', (_, text) => {
    const cleaned = cleanField(text, FIELD_CAPS.message, redactor).text;
    expect(bytes(cleaned)).toBeLessThanOrEqual(FIELD_CAPS.message);
  });
});

describe('cleanField with a redactor', () => {
  // Every secret, at every offset around where the cap cuts, in a 4 KB message and a 10 MB one.
  const offsets = [1, 500, 1000, 1500, 1900, 1990, 2000, 2010, 2040, 2100, 2500, 3000];
  it.each(FAKE_SECRETS.map((s) => [s.kind, s]))('never lets a cap leave part of %s behind', (_, s) => {
    for (const offset of offsets) {
      const text = `${'x'.repeat(offset)} ${s.line} ${'y'.repeat(6000)}`;
      expect(findLeaks(cleanField(text, 4096, redactor).text)).toEqual([]);
    }
  });

  // Dense secrets shrink a lot when redacted, so the kept ends reach far into what was read: the
  // bounding must still never show a secret it cut. Each pad moves the cuts along the secret.
  it.each(FAKE_SECRETS.map((s) => [s.kind, s]))('never leaks %s where a huge field is bounded', (_, s) => {
    const unit = s.standalone ? `${s.secret} ` : `${s.line}\n`;
    const body = unit.repeat(Math.ceil(100_000 / unit.length));
    for (let pad = 0; pad < unit.length; pad += Math.ceil(unit.length / 20)) {
      const cleaned = cleanField(`${'p'.repeat(pad)} ${body}`, 4096, redactor).text;
      expect(findLeaks(cleaned)).toEqual([]);
    }
  });

  it.each(FAKE_SECRETS.map((s) => [s.kind, s]))('redacts %s all through a 10 MB field', (_, s) => {
    const text = `${s.line}\n`.repeat(Math.ceil(10_000_000 / (s.line.length + 1)));
    const { text: cleaned, count } = cleanField(text, FIELD_CAPS.exception, redactor);
    expect(findLeaks(cleaned)).toEqual([]);
    expect(count).toBeGreaterThan(0);
    expect(bytes(cleaned)).toBeLessThanOrEqual(FIELD_CAPS.exception);
    expect(splitCapped(cleaned).cut).toBeGreaterThan(9_000_000);
  });
});

describe('cleanRow', () => {
  const base: LogRow = {
    id: 42,
    time: 1718100000000,
    levelNo: 40,
    levelName: 'ERROR',
    message: 'plain',
    logger: null,
    function: null,
    line: 88,
    exception: null,
    extra: null,
  };

  it('cleans every text field, counts redactions, and leaves the rest alone', () => {
    const [a, b, c] = FAKE_SECRETS;
    const row: LogRow = {
      ...base,
      levelName: '\x1b[31mERROR\x1b[0m',
      message: `charge failed: ${a!.line}`,
      logger: 'app.\x1b[1mbilling\x00',
      function: 'charge',
      exception: `Traceback (most recent call last):\n  ${b!.line}\nValueError: ${c!.line}`,
      extra: JSON.stringify({ request_id: 'r-1', detail: a!.line }),
    };
    const { row: cleaned, redactions } = cleanRow(row, redactor);
    expect(redactions).toBe(4);
    expect(findLeaks(JSON.stringify(cleaned))).toEqual([]);
    expect(cleaned).toMatchObject({ id: 42, time: 1718100000000, levelNo: 40, line: 88 });
    expect(cleaned.levelName).toBe('ERROR');
    expect(cleaned.logger).toBe('app.billing');
    expect(cleaned.function).toBe('charge');
    expect(cleaned.message).toBe(`charge failed: ${a!.line.replace(a!.secret, `[REDACTED:${a!.kind}]`)}`);
  });

  it('keeps absent fields absent and a clean row equal', () => {
    expect(cleanRow(base, redactor)).toEqual({ row: base, redactions: 0 });
  });

  it('cleans a stream of rows as cleanRow does each, repeated secrets redacted and counted on every row', () => {
    const [a, b] = FAKE_SECRETS;
    const clean = createRowCleaner(redactor);
    const rows: LogRow[] = [0, 1, 2, 3].map((i) => ({
      ...base,
      id: i,
      message: i % 2 ? `retry ${i}` : `charge failed: ${a!.line}`,
      logger: i % 2 ? 'app.\x1b[1mbilling' : 'app.api',
      function: 'charge',
      exception: i < 2 ? `Traceback (most recent call last):\nValueError: ${b!.line}` : null,
      extra: `{"token": "${b!.secret}"}`,
    }));
    const streamed = rows.map((row) => clean(row));
    expect(streamed).toEqual(rows.map((row) => cleanRow(row, redactor)));
    expect(streamed.map((r) => r.redactions)).toEqual([3, 2, 2, 1]);
    expect(findLeaks(JSON.stringify(streamed))).toEqual([]);
  });

  it.each([
    ['arrays', '['.repeat(10_000) + ']'.repeat(10_000)],
    ['objects', `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`],
  ])('treats extra with 10,000-deep nested %s as text, capped', (_, extra) => {
    const { row } = cleanRow({ ...base, extra }, redactor);
    expect(bytes(row.extra!)).toBeLessThanOrEqual(FIELD_CAPS.extra);
    expect(row.extra!.startsWith(extra.slice(0, 100))).toBe(true);
  });
});
