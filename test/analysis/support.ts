import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { loadConfig } from '../../src/adapters/config-file.js';
import { openStateStore } from '../../src/adapters/state-store.js';
import type { AnalysisDeps } from '../../src/analysis/define.js';
import { openLogRows } from '../../src/analysis/log-rows.js';
import { createRedactor } from '../../src/core/redact.js';
import { runCli } from '../support/cli.js';

export interface RowSpec {
  time: number;
  level?: string;
  message: string;
  name?: string | null;
  function?: string | null;
  line?: number | null;
  exception?: string | null;
  extra?: string | null;
}

/** A log database in the default schema of examples/loguru_sqlite_sink.py, rows as given. */
export function writeLogDb(path: string, rows: RowSpec[]): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, level TEXT NOT NULL, level_no INTEGER NOT NULL,
    message TEXT NOT NULL, name TEXT, function TEXT, line INTEGER, module TEXT, process INTEGER, thread TEXT,
    exception TEXT, extra TEXT)`);
  const insert =
    db.prepare(`INSERT INTO logs (time, level, level_no, message, name, function, line, module, process, thread, exception, extra)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'app', 1, 'MainThread', ?, ?)`);
  const numbers: Record<string, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
  db.transaction(() => {
    for (const r of rows) {
      const level = r.level ?? 'ERROR';
      insert.run(
        new Date(r.time).toISOString().replace('Z', '+00:00'),
        level,
        numbers[level] ?? 0,
        r.message,
        r.name === undefined ? 'app.jobs' : r.name,
        r.function === undefined ? 'run' : r.function,
        r.line === undefined ? 42 : r.line,
        r.exception ?? null,
        r.extra ?? null,
      );
    }
  })();
  db.close();
}

/** Runs the real pipeline (`sentinel run`) over the project; returns its groups. */
export async function runPipeline(dir: string): Promise<{ fingerprint: string; count: number; template: string }[]> {
  const result = await runCli(['run', '--json'], { cwd: dir });
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { groups: { fingerprint: string; count: number; template: string }[] }).groups;
}

/** What `sentinel mcp` gives the analyses, opened the same way (read-only), with a fixed clock. */
export function openDeps(configFile: string, now: number): AnalysisDeps & { close(): void } {
  const { config, paths } = loadConfig(configFile, {});
  const state = openStateStore(paths.stateDir, { readonly: true });
  let logs: ReturnType<typeof openLogRows>;
  try {
    logs = openLogRows(paths.database, config.source);
  } catch (error) {
    state.close();
    throw error;
  }
  return {
    config,
    state,
    logs,
    redactor: createRedactor(config.redact.patterns),
    clock: { now: () => now },
    close() {
      logs.close();
      state.close();
    },
  };
}

/** Every fence opened is closed, and nothing inside a fence contains a backtick run as long as its marker. */
export function expectBalancedFences(text: string): void {
  let open: string | null = null;
  for (const line of text.split('\n')) {
    const marker = /^(`{3,})(text)?$/.exec(line);
    if (open === null) {
      if (marker?.[2]) open = marker[1]!;
      else expect(line.startsWith('```'), `stray fence line: ${line}`).toBe(false);
    } else if (line === open) open = null;
    else
      expect(
        (line.match(/`+/g) ?? []).every((run) => run.length < open!.length),
        `backticks inside fence: ${line}`,
      ).toBe(true);
  }
  expect(open, 'a fence is left open').toBeNull();
}

export const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
