import { clockTime, type HeldBack } from './held-back.js';
import type { GroupRecord, RunRecord } from './records.js';
import { plural } from './plural.js';

export interface StatusReport {
  now: number;
  checkpoint: number | null;
  /** The one SQLite source; null when there are several or it is PostgreSQL (then `sources`). */
  source: { path: string; maxId: number | null; rowsBehind: number | null; newestRowTime: number | null; error: string | null } | null;
  sources: SourceStatus[];
  runs: RunRecord[];
  lastSuccess: number | null;
  /** Set when runs have stopped succeeding (see run-staleness.ts). */
  staleness: string | null;
  groups: GroupRecord[];
  groupCount: number;
  /** Splinter groups folded into a group, by its fingerprint. */
  folded?: ReadonlyMap<string, number>;
  rules: { id: string; reason: string; expired: boolean; unused: boolean; hits24h: number; lastHit: number | null }[];
  warnings: { at: number; kind: string; message: string }[];
  /** What is waiting to be reported, and what Claude has cost today. */
  reporting: {
    queued: number;
    unsent: number;
    dropped: number;
    claudeCallsToday: number;
    claudeCostToday: number;
    claudePausedUntil: number | null;
  };
  /** Triggers kept from an alert, and until when. */
  heldBack: HeldBack[];
  /** Each unsent notification: why, and when it is tried next. */
  unsent: { channel: string; incidentPath: string; attempts: number; lastError: string | null; nextAttemptAt: number }[];
}

export interface SourceStatus {
  name: string;
  label: string;
  checkpoint: number | null;
  rowsBehind: number | null;
  newestRowTime: number | null;
  /** Since when (first run that saw it) committed rows wait behind an open transaction, and how many. */
  waiting: { since: number; rows: number } | null;
  error: string | null;
}

const iso = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** What an operator reads over SSH: is it running, is it behind, what has it seen, what is muted. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = [];
  const { source } = report;
  if (source) {
    lines.push(`log database  ${source.path}`);
    if (source.error) lines.push(`  ✗ ${source.error}`);
    else {
      lines.push(
        `  checkpoint ${report.checkpoint ?? 'none (no run yet)'} of ${source.maxId}; ${source.rowsBehind} WARNING+ rows behind; newest row ${iso(source.newestRowTime)}`,
      );
    }
  }
  for (const s of report.sources) {
    lines.push(`source ${s.name}  ${s.label}`);
    if (s.error) lines.push(`  ✗ ${s.error}`);
    else
      lines.push(
        `  checkpoint row ${s.checkpoint ?? 'none (no run yet)'}; ${s.rowsBehind} WARNING+ rows behind; newest row ${iso(s.newestRowTime)}`,
      );
    if (s.waiting) {
      lines.push(
        `  ! ${s.waiting.rows} rows waiting behind an open transaction since ${iso(s.waiting.since)}: a long transaction in the cluster holds them back (pg_stat_activity shows it)`,
      );
    }
  }
  lines.push(`last successful run  ${iso(report.lastSuccess)}`);
  if (report.staleness) lines.push(`  ✗ ${report.staleness}`);
  for (const run of report.runs) {
    lines.push(
      `  #${run.id} ${run.kind.padEnd(6)} ${iso(run.startedAt)}  ${run.outcome === 'running' && run.pid !== null ? `running (pid ${run.pid})` : run.outcome.padEnd(7)} ${run.rowsRead} read, ${run.ignored} ignored, ${plural(run.groups, 'group')}, ${run.triggered} triggered${run.message ? ` — ${run.message}` : ''}`,
    );
  }
  const r = report.reporting;
  lines.push(
    `reporting  ${r.queued} investigation${r.queued === 1 ? '' : 's'} queued, ${r.unsent} notification${r.unsent === 1 ? '' : 's'} unsent` +
      `${r.dropped ? `, ${r.dropped} dropped` : ''}; Claude today: ${r.claudeCallsToday} call${r.claudeCallsToday === 1 ? '' : 's'}, $${r.claudeCostToday.toFixed(2)}`,
  );
  if (r.claudePausedUntil !== null)
    lines.push(
      `  ! Claude paused until ${iso(r.claudePausedUntil)}: the subscription's usage limit is reached; incidents get the fallback report`,
    );
  for (const u of report.unsent) {
    const next = u.nextAttemptAt <= report.now ? 'next run' : clockTime(u.nextAttemptAt, report.now);
    const why = u.lastError ?? 'not tried yet';
    lines.push(
      `  unsent ${u.channel} ${u.incidentPath}: ${u.attempts} attempt${u.attempts === 1 ? '' : 's'}, last error: ${why}; next attempt ${next} (or run --retry-now)`,
    );
  }
  const held = report.heldBack.filter((h) => h.until > report.now);
  if (held.length) {
    lines.push(`held back  ${held.length} triggered group${held.length === 1 ? '' : 's'}`);
    for (const h of held) lines.push(`  ${h.fingerprint}  ${h.trigger.padEnd(10)} in cooldown until ${clockTime(h.until, report.now)}`);
  }
  const folds = [...(report.folded?.values() ?? [])].reduce((sum, n) => sum + n, 0);
  lines.push(
    `groups  ${report.groupCount}${report.groupCount > report.groups.length ? ` (the ${report.groups.length} seen last)` : ''}` +
      `${folds ? `; ${folds} splinter group${folds === 1 ? '' : 's'} folded into ${report.folded!.size}` : ''}`,
  );
  for (const g of report.groups) {
    const folded = report.folded?.get(g.fingerprint);
    lines.push(
      `  ${g.fingerprint}  ${g.status.padEnd(8)} ${String(g.total).padStart(7)}  last ${iso(g.lastSeen)}  ${g.template.replace(/\s+/g, ' ').slice(0, 90)}${folded ? `  (+${folded} folded)` : ''}`,
    );
  }
  lines.push(`ignore rules  ${report.rules.length}`);
  for (const r of report.rules) {
    const notes = [r.expired ? 'expired' : '', r.unused ? 'unused for 30 days' : ''].filter(Boolean).join(', ');
    lines.push(
      `  ${r.id.padEnd(10)} ${String(r.hits24h).padStart(6)} hits/24h  last ${iso(r.lastHit)}${notes ? `  [${notes}]` : ''}  — ${r.reason}`,
    );
  }
  if (report.warnings.length) {
    lines.push('warnings (last 7 days)');
    for (const w of report.warnings) lines.push(`  ${iso(w.at)}  ${w.kind}: ${w.message}`);
  }
  return lines.join('\n');
}
