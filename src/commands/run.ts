import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findConfigFile, loadConfig } from '../adapters/config-file.js';
import { createHeartbeat } from '../adapters/heartbeat.js';
import { loadIgnoreRules } from '../adapters/ignore-file.js';
import { openLogSource } from '../adapters/log-source.js';
import { acquireRunLock } from '../adapters/run-lock.js';
import { openStateStore } from '../adapters/state-store.js';
import { readSystemSample, recordSystemSample } from '../adapters/system-probe.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { createRedactor, redactionMarker } from '../core/redact.js';
import { renderRunSummary, type RunReport } from '../core/run-report.js';
import { collect, type CollectedGroup } from '../stages/collect.js';
import type { InvestigateResult } from '../stages/investigate.js';
import { heldBackGroups, investigationSubject } from '../stages/queue-subject.js';
import { HELD_BACK_META_KEY, mergeHeldBack, parseHeldBack } from '../core/held-back.js';
import { checkSilence } from '../stages/silence.js';
import type { CommandContext } from './context.js';

export interface RunOptions {
  config?: string;
  dryRun?: boolean;
  json?: boolean;
  /** Read this database instead of the configured one (a copy on a laptop). */
  db?: string;
  /** Replay this window (with --dry-run) instead of starting at the checkpoint. */
  since?: string;
  /** Retry queued investigations and notifications now, whatever their backoff. */
  retryNow?: boolean;
  /** With --dry-run: read this copy of a state.db, so that fingerprints and triggers are the server's. */
  state?: string;
}

/** [read → clean → group → commit] then [investigate → report → notify]; see the architecture doc. */
export async function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { config, paths } = loaded;
  const dryRun = !!options.dryRun;
  let since: number | undefined;
  if (options.since !== undefined) {
    const window = parseDuration(options.since);
    if (!window) throw new SentinelError(`--since: expected a duration such as 2h, got ${JSON.stringify(options.since)}`, ExitCode.usage);
    if (!dryRun) throw new SentinelError('--since replays a window and goes with --dry-run only', ExitCode.usage);
    since = ctx.clock.now() - window;
  }
  if (options.state !== undefined && !dryRun) throw new SentinelError('--state reads a copy of the state and goes with --dry-run only', ExitCode.usage);
  const stateCopy = options.state === undefined ? undefined : resolve(ctx.cwd, options.state);
  if (stateCopy !== undefined && !existsSync(stateCopy)) throw new SentinelError(`--state: no such file ${stateCopy}`, ExitCode.usage);
  const rules = loadIgnoreRules(paths.ignoreFile);
  const redactor = createRedactor(config.redact.patterns);
  const lock = dryRun ? null : acquireRunLock(paths.stateDir, ctx.pid);
  try {
    const state = openStateStore(paths.stateDir, { readonly: dryRun, ...(stateCopy === undefined ? {} : { file: stateCopy }) });
    if (!dryRun) state.redactStored(redactionMarker(config.redact.patterns), (text) => redactor.redact(text).text);
    // A stopped app's database is read from a copy, kept in the state dir between runs (not by dry runs).
    const source = openLogSource(options.db ?? paths.database, config.source, dryRun ? undefined : join(paths.stateDir, 'source-snapshot'));
    const startedAt = ctx.clock.now();
    const runId = dryRun ? 0 : state.startRun('run', startedAt, state.checkpoint()?.id ?? null, ctx.pid);
    try {
      const collected = collect({ config, rules, redactor, source, state, now: startedAt, ...(since === undefined ? {} : { since }) });
      for (const warning of collected.warnings) ctx.stderr(`sentinel: warning: ${warning.message}`);
      let subject = investigationSubject(collected.groups, config, startedAt);
      let meta: Record<string, string> = {};
      // A replay of a copied database is not the live app: its silence means nothing.
      if (options.db === undefined && since === undefined) {
        const silence = checkSilence({ source, state, silenceAfterMs: config.source.silence_after, now: startedAt, subject });
        if (silence.warning) ctx.stderr(`sentinel: warning: ${silence.warning}`);
        ({ subject, meta } = silence);
      }
      const heldBack = heldBackGroups(collected.groups, config, startedAt);
      if (!dryRun) {
        const seen = new Set(collected.groups.map((g) => g.fingerprint));
        meta[HELD_BACK_META_KEY] = JSON.stringify(mergeHeldBack(parseHeldBack(state.getMeta(HELD_BACK_META_KEY)), heldBack, seen, startedAt));
      }
      let investigated: InvestigateResult = { investigation: 'none', incidents: [], costUsd: 0, retries: [] };
      let notified = 0;
      if (!dryRun) {
        state.commitRun({
          runId,
          startedAt,
          checkpointFrom: collected.checkpointFrom,
          checkpoint: collected.checkpoint,
          tally: collected.tally,
          triggers: new Map(collected.groups.map((g) => [g.fingerprint, g.trigger])),
          learnerSnapshot: collected.learnerSnapshot,
          warnings: collected.warnings,
          investigation: subject
            ? { kind: 'incident', subject: JSON.stringify(subject), groups: Object.entries(subject.rates).map(([fingerprint, rate]) => ({ fingerprint, rate })) }
            : null,
          meta,
          now: startedAt,
        });
        recordMachine(config.system.mounts, state, ctx);
        // Reporting is loaded only when there is something to report: the quiet run stays cheap.
        if (state.hasPendingWork()) {
          const { reportAndNotify } = await import('../stages/report.js');
          ({ investigated, notified } = await reportAndNotify(loaded, state, redactor, ctx, !!options.retryNow));
        }
        state.finishRun(runId, ctx.clock.now(), 'ok', null);
        await pingHeartbeat(config.heartbeat?.url, state, ctx);
      }
      const report: RunReport = {
        rowsRead: collected.tally.rowsRead,
        ignored: collected.tally.ignored,
        redactions: collected.tally.redactions,
        checkpointFrom: collected.checkpointFrom,
        checkpointTo: collected.checkpoint.id,
        groups: collected.groups,
        heldBack,
        incident: investigated.incidents.at(-1) ?? null,
        notified,
        investigation: investigated.investigation,
        costUsd: investigated.costUsd,
        dryRun,
      };
      ctx.stdout(options.json ? JSON.stringify(toJson(report, collected.groups, investigated)) : renderRunSummary(report));
      return ExitCode.ok;
    } catch (error) {
      if (!dryRun) state.finishRun(runId, ctx.clock.now(), 'failed', error instanceof Error ? error.message : String(error));
      throw error;
    } finally {
      source.close();
      state.close();
    }
  } finally {
    lock?.release();
  }
}

/** One system sample per run, so `sentinel health` has history at the timer's pace: a few reads of
 * /proc and one insert, no waiting. A machine that cannot be read is a warning, never a failed run. */
function recordMachine(mounts: readonly string[], state: ReturnType<typeof openStateStore>, ctx: CommandContext): void {
  try {
    const { sample, problems } = readSystemSample(mounts, ctx.clock);
    recordSystemSample(state, sample);
    for (const problem of problems) ctx.stderr(`sentinel: warning: system sample: cannot read mount ${problem}`);
  } catch (error) {
    ctx.stderr(`sentinel: warning: system sample not recorded: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The dead man's switch after a successful run; its failure is a warning, never a failed run. */
async function pingHeartbeat(url: string | undefined, state: ReturnType<typeof openStateStore>, ctx: CommandContext): Promise<void> {
  if (url === undefined) return;
  const ping = await createHeartbeat({ url, timeoutMs: 10_000 }).ping();
  if (ping.kind === 'ok') return;
  ctx.stderr(`sentinel: warning: heartbeat: ${ping.reason}`);
  state.addWarning(ctx.clock.now(), 'heartbeat', ping.reason);
}

function toJson(report: RunReport, groups: CollectedGroup[], investigated: InvestigateResult) {
  return {
    rows_read: report.rowsRead,
    ignored: report.ignored,
    redactions: report.redactions,
    checkpoint: { from: report.checkpointFrom, to: report.checkpointTo },
    groups: groups.map((g) => ({
      fingerprint: g.fingerprint,
      count: g.count,
      level: g.levelName,
      template: g.template,
      trigger: g.trigger,
      trigger_reason: g.triggerReason || null,
      folded: g.folded,
      first_seen: new Date(g.firstSeen).toISOString(),
      last_seen: new Date(g.lastSeen).toISOString(),
    })),
    held_back: report.heldBack.map((h) => ({ fingerprint: h.fingerprint, trigger: h.trigger, reason: h.reason, until: new Date(h.until).toISOString() })),
    incident: report.incident,
    incidents: investigated.incidents,
    investigation: investigated.investigation,
    cost_usd: investigated.costUsd,
    notified: report.notified,
    dry_run: report.dryRun,
  };
}
