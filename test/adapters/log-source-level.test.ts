import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { levelIndexSql, openLogSource } from '../../src/adapters/log-source.js';
import { parseConfig, type Config } from '../../src/core/config.js';
import { levelNumber } from '../../src/core/levels.js';
import { writeWithLoguru } from '../support/loguru.js';
import { tempDir } from '../support/temp.js';

function sourceConfig(source: Record<string, unknown>): Config['source'] {
  const parsed = parseConfig({ source: { path: 'logs.db', ...source } });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  return parsed.config.source;
}

// Every kind of level value an app's table may hold: names in odd case and spacing, aliases, a
// custom loguru level, numbers as integers, reals and text, NULL and the empty string.
const LEVELS: unknown[] = [
  'TRACE',
  'DEBUG',
  'INFO',
  'SUCCESS',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'info',
  ' Info ',
  'warning',
  'Warn',
  'err',
  'fatal',
  'EXCEPTION',
  'NOTICE',
  'audit',
  '',
  '  ',
  null,
  5,
  10,
  20,
  25,
  29,
  30,
  30.5,
  40,
  50,
  100,
  '20',
  '40',
];

/** The filter as it is specified: a number compares; a name is kept unless it is a known level below min_level. */
function expectedSelected(level: unknown, minLevel: number): boolean {
  if (typeof level === 'number') return level >= minLevel;
  if (level === null) return false;
  // With no known name below min_level the list is ('') , so a blank name is left out (as before the index).
  if (minLevel <= 5 && String(level).trim() === '') return false;
  const known = levelNumber(String(level));
  return known === undefined || known >= minLevel;
}

function tableWith(levels: unknown[], columnType: 'TEXT' | 'INTEGER' | ''): string {
  const path = join(tempDir('sentinel-level-'), 'logs.db');
  const db = new Database(path);
  db.exec(`CREATE TABLE logs (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT, level ${columnType}, message TEXT, name TEXT,
    function TEXT, line INTEGER, exception TEXT, extra TEXT)`);
  const insert = db.prepare("INSERT INTO logs (time, level, message) VALUES ('2026-01-01T00:00:00Z', ?, ?)");
  for (let round = 0; round < 3; round++) levels.forEach((level, i) => insert.run(level, `row ${round}.${i}`));
  db.close();
  return path;
}

function readIds(path: string, source: Config['source']): { ids: number[]; counted: number; indexed: boolean } {
  const logs = openLogSource(path, source);
  try {
    return { ids: [...logs.readSince(0, 7)].flat().map((r) => r.id), counted: logs.countSince(0), indexed: logs.levelIndexUsed() };
  } finally {
    logs.close();
  }
}

describe('the level filter and its index', () => {
  it.each(['TEXT', 'INTEGER', ''] as const)(
    'selects the same rows with the index as without, for every min_level (level column %s)',
    (columnType) => {
      for (const minLevel of [0, 5, 10, 20, 25, 30, 35, 40, 50, 100, 'WARNING', 'error']) {
        const source = sourceConfig({ min_level: minLevel });
        const path = tableWith(LEVELS, columnType);
        const db = new Database(path, { readonly: true });
        const stored = db.prepare('SELECT id, level FROM logs ORDER BY id').all() as { id: number; level: unknown }[];
        db.close();
        const expected = stored.filter((r) => expectedSelected(r.level, source.min_level)).map((r) => r.id);
        expect(expected.length).toBeGreaterThan(0);

        const scanned = readIds(path, source);
        expect(scanned, `min_level ${minLevel}, no index`).toEqual({ ids: expected, counted: expected.length, indexed: false });
        const app = new Database(path);
        app.exec(levelIndexSql(source));
        app.close();
        const indexed = readIds(path, source);
        expect(indexed, `min_level ${minLevel}, with ${levelIndexSql(source)}`).toEqual({
          ids: expected,
          counted: expected.length,
          indexed: true,
        });
      }
    },
  );

  it('an index built for another min_level does not count as serving this one', () => {
    const path = tableWith(LEVELS, 'TEXT');
    const app = new Database(path);
    app.exec(levelIndexSql(sourceConfig({ min_level: 30 })));
    app.close();
    expect(readIds(path, sourceConfig({ min_level: 40 })).indexed).toBe(false);
    expect(readIds(path, sourceConfig({ min_level: 30 })).indexed).toBe(true);
  });

  it('the reference sink creates the index, and SQLite reads and counts through it', async () => {
    const path = join(tempDir('sentinel-level-sink-'), 'logs.db');
    await writeWithLoguru(path, [
      { level: 'INFO', message: 'served', repeat: 50 },
      { level: 'ERROR', message: 'Job failed', exception: 'ValueError: bad' },
      { level: 'WARNING', message: 'slow' },
    ]);
    const source = sourceConfig({});
    const logs = openLogSource(path, source);
    try {
      expect([...logs.readSince(0)].flat().map((r) => r.message)).toEqual(['Job failed', 'slow']);
      expect(logs.levelIndexUsed()).toBe(true);
    } finally {
      logs.close();
    }
    const db = new Database(path, { readonly: true });
    const filter = levelIndexSql(source).slice(levelIndexSql(source).indexOf(' WHERE ') + 7);
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((s) => s.detail).join('; ');
    expect(plan(`SELECT id, message FROM logs WHERE id > 0 AND ${filter} ORDER BY id LIMIT 2000`)).toMatch(
      /USING (COVERING )?INDEX logs_level_30 \(id>\?\)/,
    );
    expect(plan(`SELECT count(*) FROM logs WHERE id > 0 AND ${filter}`)).toMatch(/USING (COVERING )?INDEX logs_level_30 \(id>\?\)/);
    db.close();
  });
});
