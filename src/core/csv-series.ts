import type { SeriesPoint } from './judge-types.js';

/** How the input wrote its timestamps, so flags can be printed back the same way. */
export type TimestampFormat =
  | { kind: 'nab' }
  /** `zone` is '' for a local time without offset (read as UTC), 'Z', or '+hh:mm' / '-hh:mm'. */
  | { kind: 'iso'; zone: string }
  | { kind: 'epoch-seconds' };

export type CsvSeriesResult =
  | { kind: 'ok'; points: SeriesPoint[]; format: TimestampFormat }
  | { kind: 'invalid'; line: number; message: string };

const NAB = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const EPOCH = /^\d{9,11}(\.\d+)?$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readTimestamp(text: string): { t: number; format: TimestampFormat } | null {
  const nab = NAB.exec(text);
  if (nab) return { t: toEpoch(text, nab, ''), format: { kind: 'nab' } };
  const iso = ISO.exec(text);
  if (iso) {
    const zone = normalizeZone(iso[8] ?? '');
    return { t: toEpoch(text, iso, zone), format: { kind: 'iso', zone } };
  }
  if (EPOCH.test(text)) return { t: Math.round(Number(text) * 1000), format: { kind: 'epoch-seconds' } };
  return null;
}

function normalizeZone(zone: string): string {
  if (zone === '' || zone === 'Z') return zone;
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

function zoneMinutes(zone: string): number {
  if (zone === '' || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}

/** The number written by `count` ASCII digits at `at` (the pattern has checked they are digits). */
function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** NaN for a date or time that does not exist (`2024-13-45 99:99:99`, `2023-02-29`, a +25:00 zone):
 * Date.UTC would quietly roll it over into another one. Years before 100 are refused as well, as
 * Date.UTC reads them as 19xx. */
function toEpoch(text: string, match: RegExpExecArray, zone: string): number {
  // Both patterns put year, month, day, hours, minutes and seconds (group 6, may be absent) at the
  // same offsets, so they are read from the text digit by digit: no substring per part.
  const [y, mo, d, h, mi] = [digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2)];
  const s = match[6] === undefined ? 0 : digits(text, 17, 2);
  const ms = match[7] ? Math.round(Number(`0${match[7]}`) * 1000) : 0;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  const exists = y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays && h <= 23 && mi <= 59 && s <= 59;
  const offset = zoneMinutes(zone);
  if (!exists || Math.abs(offset) >= 24 * 60 || Number(zone.slice(4, 6) || 0) >= 60) return Number.NaN;
  const utc = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + Math.min(ms, 999);
  return utc - offset * 60_000;
}

function sameFormat(a: TimestampFormat, b: TimestampFormat): boolean {
  return a.kind === b.kind && (a.kind !== 'iso' || (b.kind === 'iso' && a.zone === b.zone));
}

const unquote = (cell: string): string => {
  const trimmed = cell.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
};

export type CsvColumnsResult =
  | { kind: 'ok'; t: Float64Array; v: Float64Array; format: TimestampFormat }
  | { kind: 'invalid'; line: number; message: string };

/**
 * Reads `timestamp,value` CSV one line at a time (without its line break), so a large file is
 * never held as text or as objects: the points go into typed arrays. A header line is skipped.
 * Timestamps: NAB's `2014-02-19 10:50:00`, ISO 8601, or epoch seconds; one format per file.
 * Rows keep their order. `line` returns the error for a bad line; then the file is rejected.
 */
export function createCsvSeriesReader(): {
  line(text: string): { kind: 'invalid'; line: number; message: string } | null;
  finish(): CsvColumnsResult;
} {
  let t = new Float64Array(1024);
  let v = new Float64Array(1024);
  let size = 0;
  let n = -1;
  let format: TimestampFormat | null = null;
  const invalid = (message: string) => ({ kind: 'invalid' as const, line: n + 1, message });
  return {
    line(text) {
      n++;
      const line = text.trim();
      if (line === '') return null;
      const comma = line.indexOf(',');
      const second = comma < 0 ? -1 : line.indexOf(',', comma + 1);
      const stampCell = unquote(comma < 0 ? line : line.slice(0, comma));
      const valueCell = comma < 0 ? undefined : unquote(line.slice(comma + 1, second < 0 ? undefined : second));
      if (n === 0 && !NUMBER.test(valueCell ?? '')) return null;
      if (comma < 0 || second >= 0)
        return invalid(`expected 2 fields "timestamp,value", found ${line.split(',').length}: ${line.slice(0, 80)}`);
      const stamp = readTimestamp(stampCell);
      if (!stamp || Number.isNaN(stamp.t))
        return invalid(`unreadable timestamp "${stampCell}" (expected 2014-02-19 10:50:00, ISO 8601 or epoch seconds)`);
      if (format && !sameFormat(format, stamp.format))
        return invalid(`timestamp "${stampCell}" is in a different format from the lines before it`);
      format = stamp.format;
      if (!NUMBER.test(valueCell ?? '')) return invalid(`value "${valueCell}" is not a number`);
      const value = Number(valueCell);
      if (!Number.isFinite(value)) return invalid(`value "${valueCell}" is too large to be a finite number`);
      if (size === t.length) {
        const grownT = new Float64Array(size * 2);
        grownT.set(t);
        t = grownT;
        const grownV = new Float64Array(size * 2);
        grownV.set(v);
        v = grownV;
      }
      t[size] = stamp.t;
      v[size] = value;
      size++;
      return null;
    },
    finish() {
      if (!format) return { kind: 'invalid', line: n + 1, message: 'no data rows after the header' };
      return { kind: 'ok', t: t.subarray(0, size), v: v.subarray(0, size), format };
    },
  };
}

/** `createCsvSeriesReader` over a whole text, as points. */
export function parseCsvSeries(text: string): CsvSeriesResult {
  const reader = createCsvSeriesReader();
  for (const line of text.split(/\r?\n/)) {
    const error = reader.line(line);
    if (error) return error;
  }
  const read = reader.finish();
  if (read.kind === 'invalid') return read;
  return { kind: 'ok', points: Array.from(read.t, (t, i) => ({ t, v: read.v[i] ?? 0 })), format: read.format };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Writes an epoch-ms time back in the format the input used. */
export function formatTimestamp(t: number, format: TimestampFormat): string {
  if (format.kind === 'epoch-seconds') return String(t / 1000);
  const zone = format.kind === 'iso' ? format.zone : '';
  const d = new Date(t + zoneMinutes(zone) * 60_000);
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const ms = d.getUTCMilliseconds() ? `.${pad(d.getUTCMilliseconds(), 3)}` : '';
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${ms}`;
  return format.kind === 'nab' ? `${date} ${time}` : `${date}T${time}${zone}`;
}
