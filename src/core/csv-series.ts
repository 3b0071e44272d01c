import { epochOf } from './civil-time.js';
import { COMMON_LINE, readCommonLine } from './csv-common-line.js';
import type { SeriesPoint } from './judge-types.js';

/** How the input wrote its timestamps, so flags can be printed back the same way. */
export type TimestampFormat =
  | { kind: 'nab' }
  /** `zone` is '' for a local time without offset (read as UTC), 'Z', or '+hh:mm' / '-hh:mm'. */
  | { kind: 'iso'; zone: string }
  | { kind: 'epoch-seconds' };

type CsvInvalid = { kind: 'invalid'; line: number; message: string };

export type CsvSeriesResult = { kind: 'ok'; points: SeriesPoint[]; format: TimestampFormat } | CsvInvalid;

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

function toEpoch(text: string, match: RegExpExecArray, zone: string): number {
  // Both patterns put year, month, day, hours, minutes and seconds (group 6, may be absent) at the
  // same offsets, so they are read from the text digit by digit: no substring per part.
  const s = match[6] === undefined ? 0 : digits(text, 17, 2);
  const ms = match[7] ? Math.round(Number(`0${match[7]}`) * 1000) : 0;
  if (Number(zone.slice(4, 6) || 0) >= 60) return Number.NaN;
  const [y, mo, d, h, mi] = [digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2), digits(text, 11, 2), digits(text, 14, 2)];
  return epochOf(y, mo, d, h, mi, s, Math.min(ms, 999), zoneMinutes(zone));
}

function sameFormat(a: TimestampFormat, b: TimestampFormat): boolean {
  return a.kind === b.kind && (a.kind !== 'iso' || (b.kind === 'iso' && a.zone === b.zone));
}

const unquote = (cell: string): string => {
  const trimmed = cell.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
};

export type CsvColumnsResult = { kind: 'ok'; t: Float64Array; v: Float64Array; format: TimestampFormat } | CsvInvalid;

/** Longer than any header or `timestamp,value` line; a line past it is refused, not held. */
const MAX_LINE_BYTES = 65_536;

/** The formats `readCommonLine` reports, by its answer. */
const COMMON_FORMATS: Record<number, TimestampFormat> = {
  [COMMON_LINE.nab]: { kind: 'nab' },
  [COMMON_LINE.isoUtc]: { kind: 'iso', zone: 'Z' },
  [COMMON_LINE.isoLocal]: { kind: 'iso', zone: '' },
};

/**
 * Reads `timestamp,value` CSV as bytes cut anywhere, so a large file is never held as text or as
 * objects: the points go into typed arrays. A header line is skipped. Timestamps: NAB's
 * `2014-02-19 10:50:00`, ISO 8601, or epoch seconds; one format per file. Rows keep their order.
 * `write` returns the error for a bad line; then the file is rejected.
 */
export function createCsvSeriesReader(): {
  write(bytes: Uint8Array): CsvInvalid | null;
  /** Reads what follows the last line break as the last line. */
  finish(): CsvColumnsResult;
} {
  let t = new Float64Array(1024);
  let v = new Float64Array(1024);
  let size = 0;
  let n = -1;
  let format: TimestampFormat | null = null;
  // The unfinished line at the end of what was written so far.
  let carry = new Uint8Array(0);
  const decoder = new TextDecoder();
  const common = new Float64Array(2);
  const invalid = (message: string): CsvInvalid => ({ kind: 'invalid', line: n + 1, message });
  const push = (time: number, value: number): void => {
    if (size === t.length) {
      const grownT = new Float64Array(size * 2);
      grownT.set(t);
      t = grownT;
      const grownV = new Float64Array(size * 2);
      grownV.set(v);
      v = grownV;
    }
    t[size] = time;
    v[size] = value;
    size++;
  };
  const readText = (text: string): CsvInvalid | null => {
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
    push(stamp.t, value);
    return null;
  };
  // A line this long is no `timestamp,value` line: refused before it is held or decoded.
  const tooLong = (bytes: Uint8Array, start: number): CsvInvalid =>
    invalid(`line longer than ${MAX_LINE_BYTES} bytes: ${decoder.decode(bytes.subarray(start, start + 80))}…`);
  /** The line in bytes [start, end), without its line break. */
  const readLine = (bytes: Uint8Array, start: number, end: number): CsvInvalid | null => {
    n++;
    if (end - start > MAX_LINE_BYTES) return tooLong(bytes, start);
    const stop = end > start && bytes[end - 1] === 13 ? end - 1 : end;
    const shape = readCommonLine(bytes, start, stop, common);
    const shapeFormat = COMMON_FORMATS[shape];
    if (shapeFormat && (format === null || sameFormat(format, shapeFormat))) {
      format ??= shapeFormat;
      push(common[0] ?? 0, common[1] ?? 0);
      return null;
    }
    return readText(decoder.decode(bytes.subarray(start, stop)));
  };
  return {
    write(bytes) {
      let start = 0;
      if (carry.length > 0) {
        const end = bytes.indexOf(10);
        if (carry.length + (end < 0 ? bytes.length : end) > MAX_LINE_BYTES) {
          n++;
          return tooLong(carry, 0);
        }
        const joined = new Uint8Array(carry.length + (end < 0 ? bytes.length : end));
        joined.set(carry);
        joined.set(bytes.subarray(0, end < 0 ? bytes.length : end), carry.length);
        if (end < 0) {
          carry = joined;
          return null;
        }
        carry = new Uint8Array(0);
        const error = readLine(joined, 0, joined.length);
        if (error) return error;
        start = end + 1;
      }
      for (let end = bytes.indexOf(10, start); end >= 0; end = bytes.indexOf(10, start)) {
        const error = readLine(bytes, start, end);
        if (error) return error;
        start = end + 1;
      }
      if (bytes.length - start > MAX_LINE_BYTES) {
        n++;
        return tooLong(bytes, start);
      }
      // A copy: the caller may reuse its buffer (and a Buffer's slice would not copy).
      carry = new Uint8Array(bytes.subarray(start));
      return null;
    },
    finish() {
      const error = readLine(carry, 0, carry.length);
      if (error) return error;
      if (!format) return { kind: 'invalid', line: n + 1, message: 'no data rows after the header' };
      return { kind: 'ok', t: t.subarray(0, size), v: v.subarray(0, size), format };
    },
  };
}

/** `createCsvSeriesReader` over a whole text, as points. */
export function parseCsvSeries(text: string): CsvSeriesResult {
  const reader = createCsvSeriesReader();
  const error = reader.write(new TextEncoder().encode(text));
  const read = error ?? reader.finish();
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
