import type Database from 'better-sqlite3';
import type { AutofixState } from '../core/autofix-policy.js';
import type { AutofixJobData } from '../core/autofix-job.js';
import type { AutofixJob, AutofixJobs } from '../core/state-store.js';
import { insertNotification } from './state-queue.js';

/** The autofix jobs in the state DB (table `autofix_jobs`): each step's result is written before
 * the next step starts. */
export function autofixJobs(db: Database.Database, guard: <T>(what: string, fn: () => T) => T): AutofixJobs {
  const toJob = (row: Record<string, unknown>): AutofixJob => ({
    id: Number(row.id),
    fingerprint: String(row.fingerprint),
    incidentPath: String(row.incident_path),
    createdAt: Number(row.created_at),
    state: row.state as AutofixState,
    stopReason: (row.stop_reason as string | null) ?? null,
    nextAttemptAt: Number(row.next_attempt_at),
    claudeAt: (row.claude_at as number | null) ?? null,
    data: JSON.parse(String(row.data)) as AutofixJobData,
  });
  return {
    add(job) {
      return guard('queue autofix', () =>
        Number(
          db
            .prepare(
              'INSERT INTO autofix_jobs (fingerprint, incident_path, created_at, updated_at, state, stop_reason, next_attempt_at, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
            )
            .run(
              job.fingerprint,
              job.incidentPath,
              job.now,
              job.now,
              job.stopReason ? 'stopped' : 'queued',
              job.stopReason ?? null,
              job.now,
              JSON.stringify(job.data),
            ).lastInsertRowid,
        ),
      );
    },
    get: (id: number): AutofixJob | null =>
      guard('read autofix', () => {
        const row = db.prepare('SELECT * FROM autofix_jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
        return row ? toJob(row) : null;
      }),
    attemptsFor: (fingerprint: string): number =>
      guard(
        'read autofix',
        () =>
          (
            db
              .prepare(
                "SELECT count(*) AS n FROM autofix_jobs WHERE fingerprint = ? AND NOT (state = 'stopped' AND (stop_reason LIKE 'ineligible:%' OR stop_reason LIKE 'dry run%'))",
              )
              .get(fingerprint) as { n: number }
          ).n,
      ),
    latestFor: (fingerprint: string): AutofixJob | null =>
      guard('read autofix', () => {
        const row = db.prepare('SELECT * FROM autofix_jobs WHERE fingerprint = ? ORDER BY id DESC LIMIT 1').get(fingerprint) as
          | Record<string, unknown>
          | undefined;
        return row ? toJob(row) : null;
      }),
    latestForIncident: (incidentPath: string): AutofixJob | null =>
      guard('read autofix', () => {
        const row = db.prepare('SELECT * FROM autofix_jobs WHERE incident_path = ? ORDER BY id DESC LIMIT 1').get(incidentPath) as
          | Record<string, unknown>
          | undefined;
        return row ? toJob(row) : null;
      }),
    nextDue: (now: number): AutofixJob | null =>
      guard('read autofix', () => {
        const row = db
          .prepare("SELECT * FROM autofix_jobs WHERE state NOT IN ('notified', 'stopped') AND next_attempt_at <= ? ORDER BY id LIMIT 1")
          .get(now) as Record<string, unknown> | undefined;
        return row ? toJob(row) : null;
      }),
    advance(id, state, data, now, extra = {}) {
      guard('update autofix', () =>
        db
          .prepare(
            'UPDATE autofix_jobs SET state = ?, data = ?, updated_at = ?, stop_reason = coalesce(?, stop_reason), claude_at = coalesce(?, claude_at), opened_at = coalesce(?, opened_at) WHERE id = ?',
          )
          .run(state, JSON.stringify(data), now, extra.stopReason ?? null, extra.claudeAt ?? null, extra.openedAt ?? null, id),
      );
    },
    postpone(id: number, data: AutofixJobData, until: number, now: number) {
      guard('update autofix', () =>
        db
          .prepare('UPDATE autofix_jobs SET data = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?')
          .run(JSON.stringify(data), until, now, id),
      );
    },
    countsSince: (since: number): { attempts: number; prs: number } =>
      guard(
        'read autofix',
        () =>
          db
            .prepare('SELECT count(claude_at >= ? OR NULL) AS attempts, count(opened_at >= ? OR NULL) AS prs FROM autofix_jobs')
            .get(since, since) as { attempts: number; prs: number },
      ),
    finish(id, data, now, notification) {
      guard('update autofix', () =>
        db.transaction(() => {
          db.prepare("UPDATE autofix_jobs SET state = 'notified', data = ?, updated_at = ? WHERE id = ?").run(
            JSON.stringify(data),
            now,
            id,
          );
          if (!notification) return;
          const row = db.prepare('SELECT incident_path FROM autofix_jobs WHERE id = ?').get(id) as { incident_path: string };
          const payload = JSON.stringify(notification.payload);
          for (const channel of notification.channels) insertNotification(db, row.incident_path, now, { channel, payload });
        })(),
      );
    },
  };
}
