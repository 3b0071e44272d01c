import type { Config } from '../core/config.js';
import { levelName, levelNumber } from '../core/levels.js';
import { parseRowTime } from '../core/row-time.js';
import type { LogRow } from '../core/types.js';

type SourceConfig = Config['source'];

/** A configured identifier, quoted for SQL. Names come from the validated config only. */
export const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The SELECT list every reader of the log table uses, in the order `toLogRow` expects. */
export function logRowColumns(source: SourceConfig): string {
  const c = source.columns;
  const optional = (name: string | null) => (name ? quoteIdentifier(name) : 'NULL');
  return [c.id, c.time, c.level, c.message]
    .map(quoteIdentifier)
    .concat([c.logger, c.function, c.line, c.exception, c.extra, c.host].map(optional))
    .join(', ');
}

/** A raw row (statement in raw mode) as a LogRow. A level name nobody knows gets `unknownLevel`:
 * read and shown, never dropped. */
export function toLogRow(raw: unknown[], source: SourceConfig, unknownLevel: number): LogRow {
  const [id, time, level, message, logger, fn, line, exception, extra, host] = raw;
  const { levelNo, name } = readLevel(level, unknownLevel);
  return {
    id: Number(id),
    time: parseRowTime(time, source.time_format),
    levelNo,
    levelName: name,
    message: textOf(message) ?? '',
    logger: textOf(logger),
    function: textOf(fn),
    line: typeof line === 'number' ? line : line == null ? null : Number(line) || null,
    exception: textOf(exception),
    extra: textOf(extra),
    host: textOf(host)?.slice(0, 255) ?? null,
  };
}

// Level names as read, to what they are: a table holds a handful of spellings, met on every row.
const KNOWN_LEVELS = new Map<string, { levelNo: number; name: string }>();
const KNOWN_LEVELS_KEPT = 64;

function readLevel(value: unknown, unknownLevel: number): { levelNo: number; name: string } {
  if (typeof value === 'number') return { levelNo: value, name: levelName(value) };
  if (typeof value === 'string') {
    const known = KNOWN_LEVELS.get(value);
    if (known !== undefined) return known;
  }
  const text = textOf(value)?.trim() ?? '';
  if (/^\d+$/.test(text)) return { levelNo: Number(text), name: levelName(Number(text)) };
  const known = levelNumber(text);
  if (known === undefined) return { levelNo: unknownLevel, name: text.slice(0, 32).toUpperCase() || 'UNKNOWN' };
  const level = { levelNo: known, name: text.toUpperCase() };
  if (typeof value === 'string' && KNOWN_LEVELS.size < KNOWN_LEVELS_KEPT) KNOWN_LEVELS.set(value, level);
  return level;
}

function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value);
}
