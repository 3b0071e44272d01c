import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { GroupFold, Sample } from '../core/tally.js';
import type { GroupRecord, RunRecord } from '../core/records.js';
import type { CommittedRun, StateStore } from '../core/state-store.js';
import type { SystemSample } from '../core/system-health.js';
import { HOUR, hourStart } from '../core/triggers.js';
import { autofixJobs } from './autofix-jobs.js';
import { describeSqliteError } from './sqlite-error.js';
import { MIGRATIONS } from './state-schema.js';
import { cool, insertInvestigation, queueOperations } from './state-queue.js';

const RETAIN_HOURS_MS = 8 * 24 * HOUR;
/** System samples older than this are deleted when a new one is recorded. */
const RETAIN_SYSTEM_SAMPLES_MS = 30 * 24 * HOUR;

/** The state DB (`state.db`, WAL) in the state dir. `readonly` (dry runs) never creates or writes:
 * a missing database reads as an empty one. */
export function openStateStore(stateDir: string, options: { readonly?: boolean; file?: string } = {}): StateStore {
  // `file`: a copy of a server's state.db, read on a laptop (`run --dry-run --state COPY`).
  const file = options.file ?? join(stateDir, 'state.db');
  const fail = (what: string, error: unknown): never => {
    throw new SentinelError(`state database ${file}: ${what}: ${describeSqliteError(error)}`, ExitCode.state, { cause: error });
  };
  let db!: Database.Database;
  try {
    if (options.readonly) {
      db = existsSync(file) ? new Database(file, { readonly: true, fileMustExist: true }) : new Database(':memory:');
    } else {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      db = new Database(file);
      db.pragma('journal_mode = WAL');
      // A killed process loses nothing in WAL mode at NORMAL; only a power cut may roll back the last
      // commits, checkpoint included, so rows are read again rather than lost. Saves an fsync a commit.
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('busy_timeout = 5000');
    migrate(db, !!options.readonly && existsSync(file));
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    fail('cannot open', error);
  }
  const guard = <T>(what: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      return fail(what, error);
    }
  };

  const getMeta = (key: string): string | null =>
    (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value ?? null;
  const setMeta = (key: string, value: string) =>
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  // Prepared once: both run once per group and row of a run.
  const sumHours = guard('read counts', () =>
    db.prepare('SELECT coalesce(sum(count), 0) AS n FROM group_hours WHERE fingerprint = ? AND hour >= ? AND hour < ?'),
  );
  const groupStmt = guard('read groups', () => db.prepare('SELECT * FROM groups WHERE fingerprint = ?'));
  // Aliases are few (left by normalizer upgrades) and looked up once per row: keep them in memory.
  let aliases: Map<string, string> | null = null;
  const canonical = (fingerprint: string): string => {
    aliases ??= guard(
      'read aliases',
      () =>
        new Map(
          (db.prepare('SELECT alias, fingerprint FROM aliases').all() as { alias: string; fingerprint: string }[]).map((r) => [
            r.alias,
            r.fingerprint,
          ]),
        ),
    );
    return aliases.get(fingerprint) ?? fingerprint;
  };

  return {
    file,
    getMeta: (key: string) => guard('read', () => getMeta(key)),
    setMeta: (key: string, value: string) => guard('write', () => void setMeta(key, value)),
    checkpoint(source = 'main') {
      const key = checkpointKey(source);
      const id = guard('read checkpoint', () => getMeta(key));
      return id === null ? null : { id: Number(id), identity: guard('read checkpoint', () => getMeta(`${key}_identity`)) || null };
    },
    learnerSnapshot: () => guard('read normalizer state', () => getMeta('learner')),
    group(fingerprint: string): GroupRecord | null {
      return guard('read groups', () => {
        const row = groupStmt.get(canonical(fingerprint)) as Record<string, unknown> | undefined;
        return row ? toGroupRecord(row) : null;
      });
    },
    canonicalFingerprint: (fingerprint: string) => canonical(fingerprint),
    addAliases(pairs: [alias: string, fingerprint: string][]) {
      if (options.readonly) {
        // A dry run writes nothing: the aliases hold in memory for this run only.
        canonical('');
        for (const [alias, fingerprint] of pairs) if (!aliases!.has(alias)) aliases!.set(alias, fingerprint);
        return;
      }
      guard('record aliases', () =>
        db.transaction(() => {
          const add = db.prepare('INSERT OR IGNORE INTO aliases (alias, fingerprint) VALUES (?, ?)');
          for (const [alias, fingerprint] of pairs) add.run(alias, fingerprint);
        })(),
      );
      aliases = null;
    },
    foldGroups(folds: readonly GroupFold[], now: number) {
      if (options.readonly) {
        canonical('');
        for (const fold of folds) aliases!.set(fold.from, fold.to);
        return;
      }
      guard('fold groups', () => db.transaction(() => writeFolds(db, folds, now))());
      aliases = null;
    },
    foldCounts: () =>
      guard(
        'read folds',
        () =>
          new Map(
            (
              db.prepare('SELECT fingerprint, count(*) AS n FROM folds GROUP BY fingerprint').all() as { fingerprint: string; n: number }[]
            ).map((r) => [r.fingerprint, r.n]),
          ),
      ),
    allGroups: () =>
      guard('read groups', () =>
        (db.prepare('SELECT * FROM groups ORDER BY first_seen').all() as Record<string, unknown>[]).map(toGroupRecord),
      ),
    countBetween: (fingerprint: string, from: number, to: number) =>
      guard('read counts', () => (sumHours.get(fingerprint, from, to) as { n: number }).n),
    ruleHitsSince: (ruleId: string, since: number) =>
      guard(
        'read rule hits',
        () =>
          (
            db.prepare('SELECT coalesce(sum(count), 0) AS n FROM rule_hits WHERE rule_id = ? AND minute >= ?').get(ruleId, since) as {
              n: number;
            }
          ).n,
      ),
    redactStored(marker: string, redact: (text: string) => string): void {
      if (guard('read', () => getMeta('redaction')) === marker) return;
      guard('redact stored samples', () =>
        db.transaction(() => {
          const deep = (json: string) => JSON.stringify(redactStrings(JSON.parse(json), redact));
          const update = (sql: string, rows: Record<string, unknown>[]) => {
            const statement = db.prepare(sql);
            for (const row of rows) statement.run(row);
          };
          const groups = db.prepare('SELECT fingerprint, template, samples FROM groups').all() as {
            fingerprint: string;
            template: string;
            samples: string;
          }[];
          update(
            'UPDATE groups SET template = @template, samples = @samples WHERE fingerprint = @fingerprint',
            groups.map((g) => ({ ...g, template: redact(g.template), samples: deep(g.samples) })),
          );
          const queued = db.prepare("SELECT id, subject, report FROM investigations WHERE state != 'done'").all() as {
            id: number;
            subject: string;
            report: string | null;
          }[];
          update(
            'UPDATE investigations SET subject = @subject, report = @report WHERE id = @id',
            queued.map((q) => ({ ...q, subject: deep(q.subject), report: q.report === null ? null : deep(q.report) })),
          );
          const pending = db.prepare("SELECT id, payload FROM outbox WHERE state = 'pending'").all() as { id: number; payload: string }[];
          update(
            'UPDATE outbox SET payload = @payload WHERE id = @id',
            pending.map((o) => ({ ...o, payload: deep(o.payload) })),
          );
          setMeta('redaction', marker);
        })(),
      );
    },
    fingerprintsStartingWith: (prefix: string, limit: number) =>
      guard('read groups', () =>
        (
          db
            .prepare('SELECT fingerprint FROM groups WHERE substr(fingerprint, 1, ?) = ? ORDER BY fingerprint LIMIT ?')
            .all(prefix.length, prefix, limit) as { fingerprint: string }[]
        ).map((r) => r.fingerprint),
      ),
    ruleIdsSeen: () =>
      guard('read rule hits', () =>
        (db.prepare('SELECT rule_id FROM rule_last_hit UNION SELECT rule_id FROM rule_hits').all() as { rule_id: string }[]).map(
          (r) => r.rule_id,
        ),
      ),
    ruleStats(ruleId: string, now: number) {
      return guard('read rule hits', () => {
        const row = db
          .prepare(
            `SELECT coalesce(sum(CASE WHEN minute >= ? THEN count END), 0) AS day, coalesce(sum(CASE WHEN minute >= ? THEN count END), 0) AS week,
               (SELECT at FROM rule_last_hit WHERE rule_id = ?) AS last FROM rule_hits WHERE rule_id = ?`,
          )
          .get(now - 24 * HOUR, now - 7 * 24 * HOUR, ruleId, ruleId) as { day: number; week: number; last: number | null };
        return { lastDay: row.day, lastWeek: row.week, lastHit: row.last };
      });
    },
    startRun(kind: string, startedAt: number, checkpointFrom: number | null, pid: number): number {
      return guard('record run', () =>
        db.transaction(() => {
          db.prepare("UPDATE runs SET outcome = 'interrupted', message = coalesce(message, ?) WHERE outcome = 'running'").run(INTERRUPTED);
          return Number(
            db
              .prepare('INSERT INTO runs (kind, started_at, checkpoint_from, pid) VALUES (?, ?, ?, ?)')
              .run(kind, startedAt, checkpointFrom, pid).lastInsertRowid,
          );
        })(),
      );
    },
    finishRun(runId: number, finishedAt: number, outcome: string, message: string | null) {
      guard('record run', () =>
        db.prepare('UPDATE runs SET finished_at = ?, outcome = ?, message = ? WHERE id = ?').run(finishedAt, outcome, message, runId),
      );
    },
    commitRun(change: CommittedRun): number | null {
      const queued = guard('commit run', () => db.transaction(() => writeRun(db, change, setMeta))());
      if (change.tally.folds.length) aliases = null;
      return queued;
    },
    addWarning(at: number, kind: string, message: string) {
      guard('record warning', () => db.prepare('INSERT INTO warnings (at, kind, message) VALUES (?, ?, ?)').run(at, kind, message));
    },
    warningsSince: (since: number) =>
      guard(
        'read warnings',
        () =>
          db.prepare('SELECT at, kind, message FROM warnings WHERE at >= ? ORDER BY at DESC LIMIT 20').all(since) as {
            at: number;
            kind: string;
            message: string;
          }[],
      ),
    recentRuns: (limit: number) =>
      guard('read runs', () =>
        (db.prepare('SELECT * FROM runs ORDER BY id DESC LIMIT ?').all(limit) as Record<string, unknown>[]).map(toRunRecord),
      ),
    lastSuccessfulRun: (kind: string) =>
      guard('read runs', () => {
        const row = db.prepare("SELECT * FROM runs WHERE kind = ? AND outcome = 'ok' ORDER BY id DESC LIMIT 1").get(kind) as
          | Record<string, unknown>
          | undefined;
        return row ? toRunRecord(row) : null;
      }),
    listGroups: (limit: number) =>
      guard('read groups', () =>
        (db.prepare('SELECT * FROM groups ORDER BY last_seen DESC LIMIT ?').all(limit) as Record<string, unknown>[]).map(toGroupRecord),
      ),
    countGroups: () => guard('read groups', () => (db.prepare('SELECT count(*) AS n FROM groups').get() as { n: number }).n),
    setStatus(fingerprint: string, status: 'active' | 'resolved', at: number): boolean {
      return guard('update group', () => {
        const target = canonical(fingerprint);
        // "Fixed, deployed, back the same afternoon": a resolve ends the cooldown, so the regression alerts.
        const cooldown = status === 'resolved' ? ', last_investigated_at = NULL, last_investigated_rate = NULL' : '';
        return (
          db
            .prepare(`UPDATE groups SET status = ?, resolved_at = ?${cooldown} WHERE fingerprint = ?`)
            .run(status, status === 'resolved' ? at : null, target).changes > 0
        );
      });
    },
    hourlyCounts: (fingerprint: string | null, from: number, to: number) =>
      guard('read counts', () => {
        const filter = fingerprint === null ? '' : 'AND fingerprint = ?';
        const rows = db
          .prepare(`SELECT hour, sum(count) AS n FROM group_hours WHERE hour >= ? AND hour < ? ${filter} GROUP BY hour`)
          .all(from, to, ...(fingerprint === null ? [] : [fingerprint])) as { hour: number; n: number }[];
        return new Map(rows.map((r) => [r.hour, r.n]));
      }),
    firstCountedHour: () =>
      guard('read counts', () => (db.prepare('SELECT min(hour) AS first FROM group_hours').get() as { first: number | null }).first),
    recordSystemSample(sample: SystemSample) {
      guard('record system sample', () =>
        db.transaction(() => {
          db.prepare('INSERT OR REPLACE INTO system_samples (at, sample) VALUES (?, ?)').run(sample.at, JSON.stringify(sample));
          db.prepare('DELETE FROM system_samples WHERE at < ?').run(sample.at - RETAIN_SYSTEM_SAMPLES_MS);
        })(),
      );
    },
    systemSamplesSince: (since: number) =>
      guard('read system samples', () =>
        (db.prepare('SELECT sample FROM system_samples WHERE at >= ? ORDER BY at').all(since) as { sample: string }[]).map(
          (r) => JSON.parse(r.sample) as SystemSample,
        ),
      ),
    ...queueOperations(db, guard),
    autofix: autofixJobs(db, guard),
    close: () => db.close(),
  };
}

export const INTERRUPTED = 'stopped before it finished (Ctrl-C, SIGTERM, SIGKILL or a reboot); the next run picks up its work';

function migrate(db: Database.Database, readonly: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new SentinelError(
      `state database was written by a newer sentinel (schema ${version}, this one knows ${MIGRATIONS.length})`,
      ExitCode.state,
    );
  }
  if (version === MIGRATIONS.length) return;
  if (readonly) {
    throw new SentinelError(`state database has schema ${version}: run sentinel once without --dry-run to migrate it`, ExitCode.state);
  }
  db.transaction(() => {
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  })();
}

/** A splinter's counts, hours and cooldown go to its survivor, whose status stays; the splinter's
 * fingerprint (and every alias of it) then stands for the survivor. A fold of a fingerprint that
 * names nothing stored (a variant this run met and decided) needs no alias: the learner answers it. */
function writeFolds(db: Database.Database, folds: readonly GroupFold[], now: number): void {
  const get = db.prepare('SELECT total FROM groups WHERE fingerprint = ?');
  const merge = db.prepare(`
    UPDATE groups SET total = groups.total + s.total, first_seen = min(groups.first_seen, s.first_seen), last_seen = max(groups.last_seen, s.last_seen),
      level_name = CASE WHEN s.level_no > groups.level_no THEN s.level_name ELSE groups.level_name END, level_no = max(groups.level_no, s.level_no),
      last_investigated_rate = CASE WHEN coalesce(s.last_investigated_at, 0) > coalesce(groups.last_investigated_at, 0) THEN s.last_investigated_rate ELSE groups.last_investigated_rate END,
      last_investigated_at = max(coalesce(groups.last_investigated_at, 0), coalesce(s.last_investigated_at, 0))
    FROM (SELECT * FROM groups WHERE fingerprint = @from) AS s WHERE groups.fingerprint = @to`);
  const noCooldown = db.prepare('UPDATE groups SET last_investigated_at = NULL WHERE fingerprint = ? AND last_investigated_at = 0');
  const drop = db.prepare('DELETE FROM groups WHERE fingerprint = ?');
  const rename = db.prepare('UPDATE groups SET fingerprint = @to WHERE fingerprint = @from');
  const moveHours = db.prepare(
    'INSERT INTO group_hours (fingerprint, hour, count) SELECT @to, hour, count FROM group_hours WHERE fingerprint = @from ON CONFLICT DO UPDATE SET count = count + excluded.count',
  );
  const dropHours = db.prepare('DELETE FROM group_hours WHERE fingerprint = ?');
  const alias = db.prepare(
    'INSERT INTO aliases (alias, fingerprint) VALUES (@from, @to) ON CONFLICT (alias) DO UPDATE SET fingerprint = excluded.fingerprint',
  );
  const repoint = db.prepare('UPDATE aliases SET fingerprint = @to WHERE fingerprint = @from');
  const record = db.prepare(
    'INSERT INTO folds (alias, fingerprint, at, rows, template) VALUES (@from, @to, @at, @rows, @template) ON CONFLICT (alias) DO UPDATE SET fingerprint = excluded.fingerprint, at = excluded.at, rows = excluded.rows',
  );
  const repointFolds = db.prepare('UPDATE folds SET fingerprint = @to WHERE fingerprint = @from');
  for (const fold of folds) {
    if (fold.from === fold.to) continue;
    const ids = { from: fold.from, to: fold.to };
    const stored = get.get(fold.from) as { total: number } | undefined;
    if (!stored) continue;
    if (get.get(fold.to)) {
      merge.run(ids);
      noCooldown.run(fold.to);
      drop.run(fold.from);
    } else rename.run(ids);
    moveHours.run(ids);
    dropHours.run(fold.from);
    alias.run(ids);
    repoint.run(ids);
    repointFolds.run(ids);
    record.run({ ...ids, at: now, rows: stored.total + fold.rows, template: fold.template });
  }
}

function writeRun(db: Database.Database, change: CommittedRun, setMeta: (k: string, v: string) => unknown): number | null {
  const { tally, now } = change;
  writeFolds(db, tally.folds, now);
  const upsertGroup = db.prepare(`
    INSERT INTO groups (fingerprint, template, exception_type, logger, function, level_no, level_name, samples, first_seen, last_seen, total)
    VALUES (@fingerprint, @template, @exceptionType, @logger, @function, @levelNo, @levelName, @samples, @firstSeen, @lastSeen, @count)
    ON CONFLICT (fingerprint) DO UPDATE SET
      last_seen = max(last_seen, excluded.last_seen), first_seen = min(first_seen, excluded.first_seen),
      total = total + excluded.total, samples = excluded.samples,
      level_no = max(level_no, excluded.level_no),
      level_name = CASE WHEN excluded.level_no > level_no THEN excluded.level_name ELSE level_name END,
      status = CASE WHEN status = 'resolved' THEN 'active' ELSE status END`);
  const addHour = db.prepare(
    'INSERT INTO group_hours (fingerprint, hour, count) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count',
  );
  const addHit = db.prepare(
    'INSERT INTO rule_hits (rule_id, minute, count) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count',
  );
  for (const group of tally.groups.values()) {
    upsertGroup.run({ ...group, samples: JSON.stringify(group.samples) });
    for (const [hour, count] of group.hours) addHour.run(group.fingerprint, hour, count);
  }
  const lastHit = db.prepare('INSERT INTO rule_last_hit (rule_id, at) VALUES (?, ?) ON CONFLICT DO UPDATE SET at = max(at, excluded.at)');
  for (const [ruleId, minutes] of tally.ruleHits) {
    for (const [minute, count] of minutes) addHit.run(ruleId, minute, count);
    // A loop, not Math.max(...keys): a reset reading months of logs can hold more minutes than a call takes arguments.
    let last = -Infinity;
    for (const minute of minutes.keys()) if (minute > last) last = minute;
    lastHit.run(ruleId, last);
  }
  for (const [source, checkpoint] of change.checkpoints) {
    setMeta(checkpointKey(source), String(checkpoint.id));
    setMeta(`${checkpointKey(source)}_identity`, checkpoint.identity ?? '');
  }
  if (change.learnerSnapshot !== null) setMeta('learner', change.learnerSnapshot);
  for (const [key, value] of Object.entries(change.meta ?? {})) setMeta(key, value);
  for (const warning of change.warnings)
    db.prepare('INSERT INTO warnings (at, kind, message) VALUES (?, ?, ?)').run(now, warning.kind, warning.message);
  const triggered = [...change.triggers.values()].filter(Boolean).length;
  db.prepare(
    'UPDATE runs SET rows_read = ?, ignored = ?, redactions = ?, groups = ?, triggered = ?, checkpoint_from = ?, checkpoint_to = ? WHERE id = ?',
  ).run(
    tally.rowsRead,
    tally.ignored,
    tally.redactions,
    tally.groups.size,
    triggered,
    change.checkpointFrom,
    change.checkpointTo,
    change.runId,
  );
  // Old buckets only feed the 7-day baseline and the ignore list's 7-day hit counts.
  db.prepare('DELETE FROM group_hours WHERE hour < ?').run(hourStart(now) - RETAIN_HOURS_MS);
  db.prepare('DELETE FROM rule_hits WHERE minute < ?').run(now - RETAIN_HOURS_MS);
  if (!change.investigation) return null;
  cool(db, now, change.investigation.groups ?? []);
  return insertInvestigation(db, change.investigation.kind, change.investigation.subject, now);
}

const checkpointKey = (source: string) => (source === 'main' ? 'checkpoint' : `checkpoint.${source}`);

function toGroupRecord(row: Record<string, unknown>): GroupRecord {
  return {
    fingerprint: String(row.fingerprint),
    template: String(row.template),
    exceptionType: (row.exception_type as string | null) ?? null,
    logger: (row.logger as string | null) ?? null,
    function: (row.function as string | null) ?? null,
    levelName: String(row.level_name),
    samples: JSON.parse(String(row.samples)) as Sample[],
    firstSeen: Number(row.first_seen),
    lastSeen: Number(row.last_seen),
    total: Number(row.total),
    status: row.status === 'resolved' ? 'resolved' : 'active',
    lastInvestigatedAt: (row.last_investigated_at as number | null) ?? null,
    lastInvestigatedRate: (row.last_investigated_rate as number | null) ?? null,
  };
}

function toRunRecord(row: Record<string, unknown>): RunRecord {
  return {
    id: Number(row.id),
    kind: String(row.kind),
    startedAt: Number(row.started_at),
    finishedAt: (row.finished_at as number | null) ?? null,
    rowsRead: Number(row.rows_read),
    ignored: Number(row.ignored),
    groups: Number(row.groups),
    triggered: Number(row.triggered),
    outcome: String(row.outcome),
    message: (row.message as string | null) ?? null,
    pid: (row.pid as number | null) ?? null,
  };
}

/** Every string inside a parsed JSON value, passed through `redact`. */
function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactStrings(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactStrings(item, redact)]));
  }
  return value;
}
