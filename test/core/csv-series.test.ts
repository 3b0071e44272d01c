import { describe, expect, it } from 'vitest';
import { createCsvSeriesReader, formatTimestamp, parseCsvSeries } from '../../src/core/csv-series.js';

describe('parseCsvSeries', () => {
  it.each([
    ['NAB', 'timestamp,value\n2014-02-19 10:50:00,1.5\n2014-02-19 10:55:00,2\n', { kind: 'nab' }, Date.UTC(2014, 1, 19, 10, 50)],
    ['ISO with Z', 'time,v\n2014-02-19T10:50:00Z,1.5\n2014-02-19T10:55:00Z,2\n', { kind: 'iso', zone: 'Z' }, Date.UTC(2014, 1, 19, 10, 50)],
    [
      'ISO with an offset',
      'time,v\n2014-02-19T12:50:00+02:00,1.5\n2014-02-19T12:55:00+02:00,2\n',
      { kind: 'iso', zone: '+02:00' },
      Date.UTC(2014, 1, 19, 10, 50),
    ],
    [
      'ISO local with milliseconds',
      'time,v\n2014-02-19T10:50:00.250,1.5\n2014-02-19T10:55:00.000,2\n',
      { kind: 'iso', zone: '' },
      Date.UTC(2014, 1, 19, 10, 50, 0, 250),
    ],
    ['epoch seconds', 'ts,value\r\n1392807000,1.5\r\n1392807300,2\r\n', { kind: 'epoch-seconds' }, Date.UTC(2014, 1, 19, 10, 50)],
  ])('reads %s timestamps and writes them back the same way', (_label, text, format, firstT) => {
    const parsed = parseCsvSeries(text);
    expect(parsed).toMatchObject({ kind: 'ok', format });
    if (parsed.kind !== 'ok') return;
    expect(parsed.points).toEqual([
      { t: firstT, v: 1.5 },
      { t: firstT + 5 * 60_000 - (firstT % 1000), v: 2 },
    ]);
    const firstLine = text.split(/\r?\n/)[1] ?? '';
    expect(formatTimestamp(firstT, parsed.format)).toBe(firstLine.split(',')[0]);
  });

  it.each([
    ['timestamp,value\n2014-02-19 10:50:00,1\n2014-02-19 10:55,2\n', 3, 'unreadable timestamp "2014-02-19 10:55"'],
    ['timestamp,value\n2014-02-19 10:50:00,1\n2014-02-19 10:55:00,n/a\n', 3, 'value "n/a" is not a number'],
    ['timestamp,value\n2014-02-19 10:50:00,1,extra\n', 2, 'expected 2 fields'],
    ['timestamp,value\n2014-02-19 10:50:00,1\n1392807300,2\n', 3, 'different format'],
    ['timestamp,value\n', 2, 'no data rows'],
    ['timestamp,value\n2014-02-19 10:50:00,1\n2024-13-45 99:99:99,2\n', 3, 'unreadable timestamp "2024-13-45 99:99:99"'],
    ['timestamp,value\n2023-02-28 23:00:00,1\n2023-02-29 00:00:00,2\n', 3, 'unreadable timestamp "2023-02-29 00:00:00"'],
    ['timestamp,value\n2024-01-01T00:00:00+25:00,1\n', 2, 'unreadable timestamp "2024-01-01T00:00:00+25:00"'],
    ['timestamp,value\n2024-01-01T00:00:00+01:75,1\n', 2, 'unreadable timestamp'],
    ['timestamp,value\n2014-02-19 10:50:00,1\n2014-02-19 10:55:00,1e309\n', 3, 'value "1e309" is too large to be a finite number'],
    ['timestamp,value\n2014-02-19 10:50:00,-1e400\n', 2, 'value "-1e400" is too large'],
  ])('names the bad line', (text, line, message) => {
    const parsed = parseCsvSeries(text);
    expect(parsed.kind).toBe('invalid');
    if (parsed.kind === 'invalid') {
      expect(parsed.line).toBe(line);
      expect(parsed.message).toContain(message);
    }
  });

  it('accepts a leap day that exists', () => {
    expect(parseCsvSeries('2024-02-29 12:00:00,1\n')).toMatchObject({ kind: 'ok', points: [{ t: Date.UTC(2024, 1, 29, 12), v: 1 }] });
  });

  it('accepts a file without a header', () => {
    expect(parseCsvSeries('1392807000,3\n')).toEqual({
      kind: 'ok',
      points: [{ t: Date.UTC(2014, 1, 19, 10, 50), v: 3 }],
      format: { kind: 'epoch-seconds' },
    });
  });

  it.each([
    '57.12',
    '-0.00',
    '+3',
    '5.',
    '007.50',
    '0.1',
    '123456789012345',
    '1234567890123456',
    '0.30000000000000004',
    '99999999999999.9',
    '-1.5E-3',
    '.5',
  ])('reads the value %s as Number() does', (text) => {
    const parsed = parseCsvSeries(`2026-01-01T00:00:00Z,${text}\n2026-01-01T00:00:01Z,1\n`);
    expect(parsed).toMatchObject({ kind: 'ok', points: [{ v: Number(text) }, { v: 1 }] });
  });

  it.each([
    ['2026-01-01T00:00:00.5Z', Date.UTC(2026, 0, 1, 0, 0, 0, 500)],
    ['2026-01-01T00:00:00.048Z', Date.UTC(2026, 0, 1, 0, 0, 0, 48)],
    ['2026-01-01T00:00:00.0485Z', Date.UTC(2026, 0, 1, 0, 0, 0, 49)],
    ['2026-01-01 00:00:00.25', Date.UTC(2026, 0, 1, 0, 0, 0, 250)],
  ])('reads the fraction of a second in %s', (stamp, t) => {
    expect(parseCsvSeries(`${stamp},1\n`)).toMatchObject({ kind: 'ok', points: [{ t, v: 1 }] });
  });

  it('reads a file the same wherever its writes cut it, from a buffer reused for each write', () => {
    const text =
      'timestamp,value\r\n2026-01-01T00:00:00Z,57.12\r\n2026-01-01T00:00:01Z,-3\r\n"2026-01-01T00:00:02Z", 4 \r\n2026-01-01T00:00:03Z,1e2';
    const bytes = new TextEncoder().encode(text);
    const whole = parseCsvSeries(text);
    expect(whole).toMatchObject({ kind: 'ok', points: [{ v: 57.12 }, { v: -3 }, { v: 4 }, { v: 100 }] });
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const reader = createCsvSeriesReader();
        const chunk = Buffer.alloc(bytes.length);
        for (const part of [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]) {
          chunk.set(part);
          expect(reader.write(chunk.subarray(0, part.length))).toBeNull();
          chunk.fill(0);
        }
        const read = reader.finish();
        expect(read.kind === 'ok' && Array.from(read.v)).toEqual([57.12, -3, 4, 100]);
      }
    }
  });

  it('refuses a line longer than 64 KB with its line number, however the writes cut it, without holding it', () => {
    const long = `2026-01-01T00:00:01Z,${'9'.repeat(70_000)}`;
    const text = `timestamp,value\n2026-01-01T00:00:00Z,1\n${long}\n2026-01-01T00:00:02Z,3\n`;
    const bytes = new TextEncoder().encode(text);
    expect(parseCsvSeries(text)).toMatchObject({
      kind: 'invalid',
      line: 3,
      message: expect.stringMatching(/^line longer than 65536 bytes/),
    });
    for (const size of [1000, 4096, 65_536, 200_000]) {
      const reader = createCsvSeriesReader();
      let error = null;
      for (let at = 0; at < bytes.length && error === null; at += size) error = reader.write(bytes.subarray(at, at + size));
      expect({ size, error: error ?? reader.finish() }).toMatchObject({ size, error: { kind: 'invalid', line: 3 } });
    }
    // A last line without a line break, and a file that is one endless line.
    expect(parseCsvSeries(`timestamp,value\n${long}`)).toMatchObject({ kind: 'invalid', line: 2 });
    const endless = createCsvSeriesReader();
    const chunk = new Uint8Array(1 << 20).fill(57);
    expect(endless.write(chunk)).toMatchObject({ kind: 'invalid', line: 1 });
  });
});
