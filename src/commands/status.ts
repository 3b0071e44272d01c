import { findConfigFile, sourceSnapshotDir } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { loadIgnoreRules } from '../adapters/ignore-file.js';
import { openLogSource } from '../adapters/log-source.js';
import { openRunSource } from '../adapters/run-sources.js';
import { isProcessAlive } from '../adapters/run-lock.js';
import { INTERRUPTED, openStateStore } from '../adapters/state-store.js';
import type { StateStore } from '../core/state-store.js';
import type { SourceConfig, SqliteSourceConfig } from '../core/config.js';
import type { RunRecord } from '../core/records.js';
import { usageLimitUntil } from '../stages/claude-pause.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { HELD_BACK_META_KEY, parseHeldBack } from '../core/held-back.js';
import { isExpired } from '../core/ignore.js';
import { startOfUtcDay } from '../core/investigation-policy.js';
import { judgeRunStaleness } from '../core/run-staleness.js';
import { renderStatus, type SourceStatus, type StatusReport } from '../core/status-report.js';
import type { CommandContext } from '../core/types.js';

const DAY = 86_400_000;
const UNUSED_AFTER = 30 * DAY;

export async function statusCommand(options: { json?: boolean; config?: string }, ctx: CommandContext): Promise<number> {
  const { config, paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const now = ctx.clock.now();
  const state = openStateStore(paths.stateDir, { readonly: true });
  try {
    const checkpoint = state.checkpoint();
    const single = config.sources.length === 1 && config.source.kind === 'sqlite' ? config.source : null;
    const lastSuccess = state.lastSuccessfulRun('run')?.finishedAt ?? null;
    const report: StatusReport = {
      now,
      checkpoint: checkpoint?.id ?? null,
      source: single ? readSource(single.path, single, checkpoint?.id ?? 0, paths.stateDir) : null,
      sources: single ? [] : await readSources(config.sources, state, ctx.env, paths.stateDir),
      runs: state.recentRuns(5).map(markInterrupted),
      lastSuccess,
      staleness: judgeRunStaleness({
        runStarts: state
          .recentRuns(40)
          .filter((r) => r.kind === 'run')
          .map((r) => r.startedAt),
        lastSuccess,
        now,
      }).warning,
      groups: state.listGroups(50),
      groupCount: state.countGroups(),
      folded: state.foldCounts(),
      rules: loadIgnoreRules(paths.ignoreFile).map((rule) => {
        const stats = state.ruleStats(rule.id, now);
        const addedAt = rule.added?.date ?? null;
        const unused = stats.lastHit === null ? addedAt !== null && now - addedAt > UNUSED_AFTER : now - stats.lastHit > UNUSED_AFTER;
        return { id: rule.id, reason: rule.reason, expired: isExpired(rule, now), unused, hits24h: stats.lastDay, lastHit: stats.lastHit };
      }),
      warnings: state.warningsSince(now - 7 * DAY),
      reporting: reportingOf(state, now),
      // A resolve ends the cooldown: what it held back is let through on the next sighting.
      heldBack: parseHeldBack(state.getMeta(HELD_BACK_META_KEY)).filter(
        (h) => h.until > now && state.group(h.fingerprint)?.status !== 'resolved',
      ),
      unsent: state.unsentOutbox(20),
    };
    ctx.stdout(options.json ? JSON.stringify(toJson(report)) : renderStatus(report));
    return ExitCode.ok;
  } finally {
    state.close();
  }
}

/** A run marked running whose process is gone was stopped (the next run records it as interrupted too). */
function markInterrupted(run: RunRecord): RunRecord {
  if (run.outcome !== 'running' || (run.pid !== null && isProcessAlive(run.pid))) return run;
  return { ...run, outcome: 'interrupted', message: run.message ?? INTERRUPTED };
}

/** The source's side of status; an unreadable database is reported, not fatal: status must still show. */
function readSource(path: string, config: SqliteSourceConfig, checkpoint: number, stateDir: string): StatusReport['source'] {
  try {
    // A stopped app's database is read from the run's copy while it is current, not copied again.
    const source = openLogSource(path, config, { runSnapshotDir: sourceSnapshotDir(stateDir, config.name) });
    try {
      return { path, maxId: source.maxId(), rowsBehind: source.countSince(checkpoint), newestRowTime: source.newestRowTime(), error: null };
    } finally {
      source.close();
    }
  } catch (error) {
    if (!(error instanceof SentinelError)) throw error;
    return { path, maxId: null, rowsBehind: null, newestRowTime: null, error: error.message };
  }
}

/** Each source's side of status when there are several, or one on PostgreSQL; one that cannot be
 * read is reported in its place. */
async function readSources(
  sources: readonly SourceConfig[],
  state: StateStore,
  env: NodeJS.ProcessEnv,
  stateDir: string,
): Promise<SourceStatus[]> {
  const out: SourceStatus[] = [];
  for (const config of sources) {
    const checkpoint = state.checkpoint(config.name);
    const since = Number(state.getMeta(`waiting_since.${config.name}`)) || null;
    const status: SourceStatus = {
      name: config.name,
      label: config.kind === 'sqlite' ? config.path : `PostgreSQL table ${config.table}`,
      checkpoint: checkpoint?.id ?? null,
      rowsBehind: null,
      newestRowTime: null,
      waiting: null,
      error: null,
    };
    try {
      const source = await openRunSource(config, env, undefined, { runSnapshotDir: sourceSnapshotDir(stateDir, config.name) });
      try {
        const from = checkpoint ?? { id: 0, identity: null };
        status.rowsBehind = await source.countSince(from);
        status.newestRowTime = await source.newestRowTime();
        const waiting = await source.waiting();
        // Said once it persists: seen by a run before this look, and still there now.
        if (since !== null && waiting > 0) status.waiting = { since, rows: waiting };
      } finally {
        await source.close();
      }
    } catch (error) {
      if (!(error instanceof SentinelError)) throw error;
      status.error = error.message;
    }
    out.push(status);
  }
  return out;
}

function reportingOf(state: StateStore, now: number): StatusReport['reporting'] {
  const outbox = state.outboxCounts();
  const usage = state.claudeUsageSince(startOfUtcDay(now));
  return {
    queued: state.pendingInvestigations(),
    unsent: outbox.pending ?? 0,
    dropped: outbox.dropped ?? 0,
    claudeCallsToday: usage.calls,
    claudeCostToday: usage.cost,
    claudePausedUntil: usageLimitUntil({ state, now: () => now }),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toJson(report: StatusReport) {
  return {
    checkpoint: report.checkpoint,
    source: report.source && {
      path: report.source.path,
      max_id: report.source.maxId,
      rows_behind: report.source.rowsBehind,
      newest_row_time: iso(report.source.newestRowTime),
      error: report.source.error,
    },
    sources: report.sources.map((s) => ({
      name: s.name,
      label: s.label,
      checkpoint: s.checkpoint,
      rows_behind: s.rowsBehind,
      newest_row_time: iso(s.newestRowTime),
      waiting: s.waiting && { since: iso(s.waiting.since), rows: s.waiting.rows },
      error: s.error,
    })),
    last_success: iso(report.lastSuccess),
    stale: report.staleness,
    runs: report.runs.map((r) => ({
      id: r.id,
      kind: r.kind,
      started_at: iso(r.startedAt),
      finished_at: iso(r.finishedAt),
      rows_read: r.rowsRead,
      ignored: r.ignored,
      groups: r.groups,
      triggered: r.triggered,
      outcome: r.outcome,
      message: r.message,
      pid: r.pid,
    })),
    group_count: report.groupCount,
    groups: report.groups.map((g) => ({
      fingerprint: g.fingerprint,
      template: g.template,
      level: g.levelName,
      total: g.total,
      first_seen: iso(g.firstSeen),
      last_seen: iso(g.lastSeen),
      status: g.status,
      folded: report.folded?.get(g.fingerprint) ?? 0,
    })),
    rules: report.rules.map((r) => ({
      id: r.id,
      reason: r.reason,
      expired: r.expired,
      unused_30d: r.unused,
      hits_24h: r.hits24h,
      last_hit: iso(r.lastHit),
    })),
    warnings: report.warnings.map((w) => ({ at: iso(w.at), kind: w.kind, message: w.message })),
    held_back: report.heldBack.map((h) => ({ fingerprint: h.fingerprint, trigger: h.trigger, reason: h.reason, until: iso(h.until) })),
    unsent: report.unsent.map((u) => ({
      channel: u.channel,
      incident: u.incidentPath,
      attempts: u.attempts,
      last_error: u.lastError,
      next_attempt: iso(u.nextAttemptAt),
    })),
    reporting: {
      investigations_queued: report.reporting.queued,
      notifications_unsent: report.reporting.unsent,
      notifications_dropped: report.reporting.dropped,
      claude_calls_today: report.reporting.claudeCallsToday,
      claude_cost_today_usd: report.reporting.claudeCostToday,
      claude_paused_until: iso(report.reporting.claudePausedUntil),
    },
  };
}
