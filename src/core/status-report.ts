import type { GroupRecord, RunRecord } from './records.js';

export interface StatusReport {
  now: number;
  checkpoint: number | null;
  source: { path: string; maxId: number | null; rowsBehind: number | null; newestRowTime: number | null; error: string | null };
  runs: RunRecord[];
  lastSuccess: number | null;
  /** Set when runs have stopped succeeding (see run-staleness.ts). */
  staleness: string | null;
  groups: GroupRecord[];
  groupCount: number;
  rules: { id: string; reason: string; expired: boolean; unused: boolean; hits24h: number; lastHit: number | null }[];
  warnings: { at: number; kind: string; message: string }[];
  /** What is waiting to be reported, and what Claude has cost today. */
  reporting: { queued: number; unsent: number; dropped: number; claudeCallsToday: number; claudeCostToday: number; claudePausedUntil: number | null };
}

const iso = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** What an operator reads over SSH: is it running, is it behind, what has it seen, what is muted. */
export function renderStatus(report: StatusReport): string {
  const lines: string[] = [];
  const { source } = report;
  lines.push(`log database  ${source.path}`);
  if (source.error) lines.push(`  ✗ ${source.error}`);
  else {
    lines.push(
      `  checkpoint ${report.checkpoint ?? 'none (no run yet)'} of ${source.maxId}; ${source.rowsBehind} WARNING+ rows behind; newest row ${iso(source.newestRowTime)}`,
    );
  }
  lines.push(`last successful run  ${iso(report.lastSuccess)}`);
  if (report.staleness) lines.push(`  ✗ ${report.staleness}`);
  for (const run of report.runs) {
    lines.push(
      `  #${run.id} ${run.kind.padEnd(6)} ${iso(run.startedAt)}  ${run.outcome.padEnd(7)} ${run.rowsRead} read, ${run.ignored} ignored, ${run.groups} groups, ${run.triggered} triggered${run.message ? ` — ${run.message}` : ''}`,
    );
  }
  const r = report.reporting;
  lines.push(
    `reporting  ${r.queued} investigation${r.queued === 1 ? '' : 's'} queued, ${r.unsent} notification${r.unsent === 1 ? '' : 's'} unsent` +
      `${r.dropped ? `, ${r.dropped} dropped` : ''}; Claude today: ${r.claudeCallsToday} call${r.claudeCallsToday === 1 ? '' : 's'}, $${r.claudeCostToday.toFixed(2)}`,
  );
  if (r.claudePausedUntil !== null) lines.push(`  ! Claude paused until ${iso(r.claudePausedUntil)}: the subscription's usage limit is reached; incidents get the fallback report`);
  lines.push(`groups  ${report.groupCount}${report.groupCount > report.groups.length ? ` (the ${report.groups.length} seen last)` : ''}`);
  for (const g of report.groups) {
    lines.push(`  ${g.fingerprint}  ${g.status.padEnd(8)} ${String(g.total).padStart(7)}  last ${iso(g.lastSeen)}  ${g.template.replace(/\s+/g, ' ').slice(0, 90)}`);
  }
  lines.push(`ignore rules  ${report.rules.length}`);
  for (const r of report.rules) {
    const notes = [r.expired ? 'expired' : '', r.unused ? 'unused for 30 days' : ''].filter(Boolean).join(', ');
    lines.push(`  ${r.id.padEnd(10)} ${String(r.hits24h).padStart(6)} hits/24h  last ${iso(r.lastHit)}${notes ? `  [${notes}]` : ''}  — ${r.reason}`);
  }
  if (report.warnings.length) {
    lines.push('warnings (last 7 days)');
    for (const w of report.warnings) lines.push(`  ${iso(w.at)}  ${w.kind}: ${w.message}`);
  }
  return lines.join('\n');
}
