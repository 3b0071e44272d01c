import type Database from 'better-sqlite3';
import type {
  ClaudeCallRecord,
  CooledGroup,
  OutboxItem,
  QueuedInvestigation,
  QueuedNotification,
  StateStore,
} from '../core/state-store.js';

type QueueOperations = Pick<
  StateStore,
  | 'dueInvestigations'
  | 'investigation'
  | 'healthAlerts'
  | 'queueHealthInvestigation'
  | 'hasPendingWork'
  | 'incidentsOf'
  | 'pendingInvestigations'
  | 'claimAttempt'
  | 'recordFailure'
  | 'reserveIncident'
  | 'completeInvestigation'
  | 'completeFirstReport'
  | 'startClaudeCall'
  | 'finishClaudeCall'
  | 'claudeUsageSince'
  | 'queueNotification'
  | 'pendingOutbox'
  | 'blockedChannels'
  | 'markSent'
  | 'markRetry'
  | 'resetChangedChannel'
  | 'unsentOutbox'
  | 'markDropped'
  | 'outboxCounts'
>;

/** The one INSERT of a queued investigation: a run's triggered groups and a health alert alike. */
export function insertInvestigation(db: Database.Database, kind: string, subject: string, now: number): number {
  return Number(
    db.prepare('INSERT INTO investigations (kind, created_at, subject, next_attempt_at) VALUES (?, ?, ?, ?)').run(kind, now, subject, now)
      .lastInsertRowid,
  );
}

/** The one INSERT into the outbox: due at once. */
export function insertNotification(db: Database.Database, incidentPath: string, now: number, item: QueuedNotification): void {
  db.prepare('INSERT INTO outbox (created_at, channel, incident_path, payload, next_attempt_at) VALUES (?, ?, ?, ?, ?)').run(
    now,
    item.channel,
    incidentPath,
    item.payload,
    now,
  );
}

/** Starts the cooldown of the groups an investigation covered. */
export const cool = (db: Database.Database, now: number, groups: readonly CooledGroup[]) => {
  const update = db.prepare('UPDATE groups SET last_investigated_at = ?, last_investigated_rate = ? WHERE fingerprint = ?');
  for (const g of groups) update.run(now, g.rate, g.fingerprint);
};

/** The investigation queue, the outbox and the Claude ledger: what survives a crash between runs. */
export function queueOperations(db: Database.Database, guard: <T>(what: string, fn: () => T) => T): QueueOperations {
  const toQueued = (row: Record<string, unknown>): QueuedInvestigation => ({
    id: Number(row.id),
    kind: String(row.kind),
    createdAt: Number(row.created_at),
    subject: String(row.subject),
    state: row.state as QueuedInvestigation['state'],
    attempts: Number(row.attempts),
    nextAttemptAt: Number(row.next_attempt_at),
    errors: JSON.parse(String(row.errors)) as string[],
    report: (row.report as string | null) ?? null,
    incidentPath: (row.incident_path as string | null) ?? null,
  });
  return {
    dueInvestigations(now: number): QueuedInvestigation[] {
      return guard('read queue', () =>
        (
          db
            .prepare(
              "SELECT * FROM investigations WHERE state != 'done' AND (next_attempt_at <= ? OR (attempts > 0 AND incident_path IS NULL)) ORDER BY id",
            )
            .all(now) as Record<string, unknown>[]
        ).map(toQueued),
      );
    },
    investigation(id: number): QueuedInvestigation | null {
      return guard('read queue', () => {
        const row = db.prepare('SELECT * FROM investigations WHERE id = ?').get(id) as Record<string, unknown> | undefined;
        return row ? toQueued(row) : null;
      });
    },
    healthAlerts(): Map<string, number> {
      return guard(
        'read health alerts',
        () =>
          new Map(
            (db.prepare('SELECT series, alerted_at FROM health_alerts').all() as { series: string; alerted_at: number }[]).map((r) => [
              r.series,
              r.alerted_at,
            ]),
          ),
      );
    },
    queueHealthInvestigation(subject: string, series: string[], now: number): number {
      return guard('queue investigation', () =>
        db.transaction(() => {
          const mark = db.prepare(
            'INSERT INTO health_alerts (series, alerted_at) VALUES (?, ?) ON CONFLICT DO UPDATE SET alerted_at = excluded.alerted_at',
          );
          for (const key of series) mark.run(key, now);
          return insertInvestigation(db, 'health', subject, now);
        })(),
      );
    },
    hasPendingWork(): boolean {
      return guard(
        'read queue',
        () =>
          !!db
            .prepare("SELECT 1 FROM investigations WHERE state != 'done' UNION ALL SELECT 1 FROM outbox WHERE state = 'pending' LIMIT 1")
            .get(),
      );
    },
    incidentsOf(fingerprint: string, limit: number): { id: number; createdAt: number; incidentPath: string; report: string | null }[] {
      return guard('read investigations', () =>
        (
          db
            .prepare(
              `SELECT id, created_at, incident_path, report FROM investigations
               WHERE state = 'done' AND kind = 'incident' AND incident_path IS NOT NULL
                 AND EXISTS (SELECT 1 FROM json_each(subject, '$.groups') WHERE json_extract(value, '$.fingerprint') = ?)
               ORDER BY id DESC LIMIT ?`,
            )
            .all(fingerprint, limit) as { id: number; created_at: number; incident_path: string; report: string | null }[]
        ).map((r) => ({ id: r.id, createdAt: r.created_at, incidentPath: r.incident_path, report: r.report })),
      );
    },
    pendingInvestigations(): number {
      return guard(
        'read queue',
        () => (db.prepare("SELECT count(*) AS n FROM investigations WHERE state != 'done'").get() as { n: number }).n,
      );
    },
    claimAttempt(id: number, retryAt: number) {
      guard('update queue', () =>
        db.prepare('UPDATE investigations SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?').run(retryAt, id),
      );
    },
    recordFailure(id: number, error: string, nextAttemptAt: number) {
      guard('update queue', () =>
        db
          .prepare("UPDATE investigations SET last_error = ?, errors = json_insert(errors, '$[#]', ?), next_attempt_at = ? WHERE id = ?")
          .run(error, error, nextAttemptAt, id),
      );
    },
    reserveIncident(id: number, path: string, report: string) {
      guard('update queue', () =>
        db.prepare("UPDATE investigations SET state = 'writing', incident_path = ?, report = ? WHERE id = ?").run(path, report, id),
      );
    },
    completeInvestigation(id, now, outbox, investigated) {
      guard('complete investigation', () =>
        db.transaction(() => {
          const row = db.prepare('SELECT incident_path FROM investigations WHERE id = ?').get(id) as { incident_path: string };
          db.prepare("UPDATE investigations SET state = 'done', report = NULL WHERE id = ?").run(id);
          for (const item of outbox) insertNotification(db, row.incident_path, now, item);
          cool(db, now, investigated);
        })(),
      );
    },
    completeFirstReport(id, file, now, outbox, investigated) {
      guard('complete first report', () =>
        db.transaction(() => {
          db.prepare("UPDATE investigations SET state = 'queued', incident_path = ?, report = NULL WHERE id = ?").run(file, id);
          for (const item of outbox) insertNotification(db, file, now, item);
          cool(db, now, investigated);
        })(),
      );
    },
    startClaudeCall(at: number): number {
      return guard('record claude call', () =>
        Number(db.prepare("INSERT INTO claude_calls (at, outcome) VALUES (?, 'started')").run(at).lastInsertRowid),
      );
    },
    finishClaudeCall(id: number, call: ClaudeCallRecord) {
      guard('record claude call', () =>
        db
          .prepare(
            'UPDATE claude_calls SET outcome = ?, cost_usd = ?, num_turns = ?, duration_ms = ?, subtype = ?, permission_denials = ? WHERE id = ?',
          )
          .run(call.outcome, call.costUsd, call.numTurns, call.durationMs, call.subtype, JSON.stringify(call.permissionDenials), id),
      );
    },
    claudeUsageSince(since: number): { calls: number; cost: number } {
      return guard(
        'read claude calls',
        () =>
          db.prepare('SELECT count(*) AS calls, coalesce(sum(cost_usd), 0) AS cost FROM claude_calls WHERE at >= ?').get(since) as {
            calls: number;
            cost: number;
          },
      );
    },
    queueNotification(incidentPath, now, notification) {
      guard('queue notification', () => insertNotification(db, incidentPath, now, notification));
    },
    pendingOutbox(now: number): OutboxItem[] {
      return guard('read outbox', () =>
        (
          db.prepare("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id").all(now) as Record<
            string,
            unknown
          >[]
        ).map((row) => ({
          id: Number(row.id),
          createdAt: Number(row.created_at),
          channel: String(row.channel),
          incidentPath: String(row.incident_path),
          payload: String(row.payload),
          attempts: Number(row.attempts),
        })),
      );
    },
    blockedChannels(now: number): Set<string> {
      return guard(
        'read outbox',
        () =>
          new Set(
            (
              db.prepare("SELECT DISTINCT channel FROM outbox WHERE state = 'pending' AND next_attempt_at > ?").all(now) as {
                channel: string;
              }[]
            ).map((r) => r.channel),
          ),
      );
    },
    markSent(id: number, now: number) {
      guard('update outbox', () =>
        db.prepare("UPDATE outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE id = ?").run(now, id),
      );
    },
    markRetry(id: number, error: string, nextAttemptAt: number, channelConfig: string | null) {
      guard('update outbox', () =>
        db
          .prepare('UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, channel_config = ? WHERE id = ?')
          .run(error, nextAttemptAt, channelConfig, id),
      );
    },
    resetChangedChannel(channel: string, channelConfig: string, now: number) {
      guard('update outbox', () =>
        db
          .prepare(
            "UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending' AND channel = ? AND channel_config IS NOT NULL AND channel_config != ?",
          )
          .run(now, channel, channelConfig),
      );
    },
    unsentOutbox(
      limit: number,
    ): { channel: string; incidentPath: string; attempts: number; lastError: string | null; nextAttemptAt: number }[] {
      return guard('read outbox', () =>
        (
          db
            .prepare(
              "SELECT channel, incident_path, attempts, last_error, next_attempt_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT ?",
            )
            .all(limit) as {
            channel: string;
            incident_path: string;
            attempts: number;
            last_error: string | null;
            next_attempt_at: number;
          }[]
        ).map((r) => ({
          channel: r.channel,
          incidentPath: r.incident_path,
          attempts: r.attempts,
          lastError: r.last_error,
          nextAttemptAt: r.next_attempt_at,
        })),
      );
    },
    markDropped(id: number, error: string) {
      guard('update outbox', () => db.prepare("UPDATE outbox SET state = 'dropped', last_error = ? WHERE id = ?").run(error, id));
    },
    outboxCounts(): Record<string, number> {
      return guard('read outbox', () =>
        Object.fromEntries(
          (db.prepare('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]).map((r) => [
            r.state,
            r.n,
          ]),
        ),
      );
    },
  };
}
