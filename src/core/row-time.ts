export type TimeFormat = 'iso' | 'unix' | 'unix_ms';

const ISO_NO_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** A row's time in epoch milliseconds, or null when the value is not a time at all. A time without
 * a zone is taken as UTC: the server's local zone is not something a log reader can know. */
export function parseRowTime(value: unknown, format: TimeFormat): number | null {
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isFinite(n)) return null;
    if (format === 'unix_ms') return Math.round(n);
    if (format === 'unix') return Math.round(n * 1000);
    return Math.round(n > 1e11 ? n : n * 1000); // an epoch number in an `iso` column: guess its unit
  }
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (format !== 'iso' && /^-?\d+(\.\d+)?$/.test(text)) return parseRowTime(Number(text), format);
  const iso = ISO_NO_ZONE.test(text) ? `${text.replace(' ', 'T')}Z` : text.replace(' ', 'T');
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}
