import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { claudeRunsDir, removeStaleRunDirs } from '../adapters/claude-run-dirs.js';
import { findConfigFile } from '../adapters/config-paths.js';
import { createHeartbeat } from '../adapters/heartbeat.js';
import { loadConfigCached, loadIgnoreRulesCached, openParsedCache } from '../adapters/parsed-cache.js';
import type { RunSource } from '../adapters/log-source.js';
import { openRunSources } from '../adapters/run-sources.js';
import { acquireRunLock } from '../adapters/run-lock.js';
import { openStateStore } from '../adapters/state-store.js';
import type { StateStore } from '../core/state-store.js';
import { readSystemSample } from '../adapters/system-probe.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, SentinelError, errorMessage } from '../core/errors.js';
import { createRedactor, redactionMarker } from '../core/redact.js';
import { renderRunSummary, type RunReport } from '../core/run-report.js';
import { collect, type Collected, type SourceRead } from '../stages/collect.js';
import type { InvestigateResult } from '../stages/investigate.js';
import { heldBackGroups, investigationSubject } from '../stages/queue-subject.js';
import { HELD_BACK_META_KEY, mergeHeldBack, parseHeldBack } from '../core/held-back.js';
import { checkSilence } from '../stages/silence.js';
import type { CommandContext } from '../core/types.js';

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
  /** Start this source afresh from now (its checkpoint is from before a restore). */
  rebaseline?: string;
}

/** [read → clean → group → commit] then [investigate → report → notify]; see the architecture doc. */
export async function runCommand(options: RunOptions, ctx: CommandContext): Promise<number> {
  const dryRun = !!options.dryRun;
  // The timer's runs read back what the last one parsed (parsed-cache.ts); a dry run writes nothing.
  const parsedCache = dryRun ? null : openParsedCache(ctx.env.CACHE_DIRECTORY, ctx.cliPath);
  const loaded = await loadConfigCached(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env, parsedCache);
  const { config, paths } = loaded;
  let since: number | undefined;
  if (options.since !== undefined) {
    const window = parseDuration(options.since);
    if (!window) throw new SentinelError(`--since: expected a duration such as 2h, got ${JSON.stringify(options.since)}`, ExitCode.usage);
    if (!dryRun) throw new SentinelError('--since replays a window and goes with --dry-run only', ExitCode.usage);
    since = ctx.clock.now() - window;
  }
  if (options.state !== undefined && !dryRun)
    throw new SentinelError('--state reads a copy of the state and goes with --dry-run only', ExitCode.usage);
  const stateCopy = options.state === undefined ? undefined : resolve(ctx.cwd, options.state);
  if (stateCopy !== undefined && !existsSync(stateCopy)) throw new SentinelError(`--state: no such file ${stateCopy}`, ExitCode.usage);
  if (options.db !== undefined && config.source.kind !== 'sqlite') {
    throw new SentinelError(
      '--db replaces the first source with a copy of its SQLite file, and the first source is PostgreSQL',
      ExitCode.usage,
    );
  }
  if (options.rebaseline !== undefined && !config.sources.some((s) => s.name === options.rebaseline)) {
    throw new SentinelError(
      `--rebaseline: no source named ${JSON.stringify(options.rebaseline)}; known: ${config.sources.map((s) => s.name).join(', ')}`,
      ExitCode.usage,
    );
  }
  const rules = await loadIgnoreRulesCached(paths.ignoreFile, parsedCache);
  const redactor = createRedactor(config.redact.patterns);
  const lock = dryRun ? null : acquireRunLock(paths.stateDir, ctx.pid);
  try {
    // A Claude that outlived its killed run is ended now, not at the next investigation; a failure
    // to tidy up never stands in the way of the run.
    if (!dryRun)
      await removeStaleRunDirs(claudeRunsDir(paths.stateDir)).catch((error: unknown) =>
        ctx.stderr(`sentinel: warning: ${claudeRunsDir(paths.stateDir)}: an earlier run's directory not removed: ${errorMessage(error)}`),
      );
    const state = openStateStore(paths.stateDir, { readonly: dryRun, ...(stateCopy === undefined ? {} : { file: stateCopy }) });
    if (!dryRun) state.redactStored(redactionMarker(config.redact.patterns), (text) => redactor.redact(text).text);
    // A stopped app's database is read from a copy, kept in the state dir between runs (not by dry runs).
    const { opened: sources, failed: unopened } = await openRunSources(
      config.sources,
      ctx.env,
      options.db,
      dryRun ? undefined : paths.stateDir,
    );
    // Nothing to read at all: fail as before, before anything is recorded.
    if (sources.length === 0) throw new SentinelError(unopened.map((f) => f.message).join('; '), ExitCode.source);
    const startedAt = ctx.clock.now();
    const runId = dryRun ? 0 : state.startRun('run', startedAt, state.checkpoint(config.source.name)?.id ?? null, ctx.pid);
    try {
      const collected = await collect({
        config,
        rules,
        redactor,
        sources,
        state,
        now: startedAt,
        ...(since === undefined ? {} : { since }),
        ...(options.rebaseline === undefined ? {} : { rebaseline: options.rebaseline }),
      });
      for (const warning of collected.warnings) ctx.stderr(`sentinel: warning: ${warning.message}`);
      const failures = [...unopened, ...collected.sources.flatMap((s) => (s.error === null ? [] : [{ name: s.name, message: s.error }]))];
      const readable = sources.filter((s) => !failures.some((f) => f.name === s.name));
      let subject = investigationSubject(collected.groups, config, startedAt, collected.hostCount);
      let meta: Record<string, string> = await waitingMeta(readable, state, startedAt);
      // A replay of a copied database is not the live app: its silence means nothing.
      if (options.db === undefined && since === undefined) {
        const newest = await newestRowTime(readable);
        const silence = checkSilence({
          newestRowTime: newest,
          state,
          silenceAfterMs: config.source.silence_after,
          now: startedAt,
          subject,
        });
        if (silence.warning) ctx.stderr(`sentinel: warning: ${silence.warning}`);
        subject = silence.subject;
        meta = { ...meta, ...silence.meta };
      }
      const heldBack = heldBackGroups(collected.groups, config, startedAt);
      if (!dryRun) {
        const seen = new Set(collected.groups.map((g) => g.fingerprint));
        meta[HELD_BACK_META_KEY] = JSON.stringify(
          mergeHeldBack(parseHeldBack(state.getMeta(HELD_BACK_META_KEY)), heldBack, seen, startedAt),
        );
      }
      const first = collected.sources[0]!;
      let investigated: InvestigateResult = { investigation: 'none', incidents: [], costUsd: 0, retries: [] };
      let notified = 0;
      if (!dryRun) {
        state.commitRun({
          runId,
          startedAt,
          checkpointFrom: first.from?.id ?? 0,
          checkpointTo: first.to?.id ?? 0,
          checkpoints: new Map(collected.sources.flatMap((s) => (s.to ? [[s.name, s.to] as const] : []))),
          tally: collected.tally,
          triggers: new Map(collected.groups.map((g) => [g.fingerprint, g.trigger])),
          learnerSnapshot: collected.learnerSnapshot,
          warnings: collected.warnings,
          investigation: subject
            ? {
                kind: 'incident',
                subject: JSON.stringify(subject),
                groups: Object.entries(subject.rates).map(([fingerprint, rate]) => ({ fingerprint, rate })),
              }
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
        if (failures.length === 0) {
          state.finishRun(runId, ctx.clock.now(), 'ok', null);
          await pingHeartbeat(config.heartbeat?.url, state, ctx);
        }
      }
      const report: RunReport = {
        rowsRead: collected.tally.rowsRead,
        ignored: collected.tally.ignored,
        redactions: collected.tally.redactions,
        checkpointFrom: first.from?.id ?? 0,
        checkpointTo: first.to?.id ?? 0,
        groups: collected.groups,
        heldBack,
        incident: investigated.incidents.at(-1) ?? null,
        notified,
        investigation: investigated.investigation,
        costUsd: investigated.costUsd,
        dryRun,
      };
      const unread = unopened.map((f) => ({ name: f.name, label: '', from: null, to: null, rows: 0, error: f.message }));
      const reads = config.sources.map((s) => [...collected.sources, ...unread].find((r) => r.name === s.name)!);
      ctx.stdout(options.json ? JSON.stringify(toJson(report, collected, reads, investigated)) : renderRunSummary(report));
      // The readable sources are committed; the others keep their checkpoints and fail the run.
      if (failures.length > 0) {
        throw new SentinelError(
          failures.map((f) => (f.message.startsWith(`source ${f.name}`) ? f.message : `source ${f.name}: ${f.message}`)).join('; '),
          ExitCode.source,
        );
      }
      return ExitCode.ok;
    } catch (error) {
      if (!dryRun) state.finishRun(runId, ctx.clock.now(), 'failed', errorMessage(error));
      throw error;
    } finally {
      for (const source of sources) await source.close();
      state.close();
    }
  } finally {
    lock?.release();
  }
}

/** One system sample per run, so `sentinel health` has history at the timer's pace: a few reads of
 * /proc and one insert, no waiting. A machine that cannot be read is a warning, never a failed run. */
function recordMachine(mounts: readonly string[], state: StateStore, ctx: CommandContext): void {
  try {
    const { sample, problems } = readSystemSample(mounts, ctx.clock);
    state.recordSystemSample(sample);
    for (const problem of problems) ctx.stderr(`sentinel: warning: system sample: cannot read mount ${problem}`);
  } catch (error) {
    ctx.stderr(`sentinel: warning: system sample not recorded: ${errorMessage(error)}`);
  }
}

/** The dead man's switch after a successful run; its failure is a warning, never a failed run. */
async function pingHeartbeat(url: string | undefined, state: StateStore, ctx: CommandContext): Promise<void> {
  if (url === undefined) return;
  const ping = await createHeartbeat({ url, timeoutMs: 10_000 }).ping();
  if (ping.kind === 'ok') return;
  ctx.stderr(`sentinel: warning: heartbeat: ${ping.reason}`);
  state.addWarning(ctx.clock.now(), 'heartbeat', ping.reason);
}

/** "Rows waiting behind an open transaction since …": when the wait was first seen, per source,
 * kept while it lasts so `status` can say for how long. */
async function waitingMeta(sources: RunSource[], state: StateStore, now: number): Promise<Record<string, string>> {
  const meta: Record<string, string> = {};
  for (const source of sources) {
    const key = `waiting_since.${source.name}`;
    const waiting = await source.waiting().catch(() => 0);
    const since = state.getMeta(key);
    if (waiting > 0) meta[key] = since || String(now);
    else if (since) meta[key] = '';
  }
  return meta;
}

async function newestRowTime(sources: RunSource[]): Promise<number | null> {
  let newest: number | null = null;
  for (const source of sources) {
    const time = await source.newestRowTime();
    if (time !== null && (newest === null || time > newest)) newest = time;
  }
  return newest;
}

function toJson(report: RunReport, collected: Collected, reads: SourceRead[], investigated: InvestigateResult) {
  const { groups } = collected;
  return {
    rows_read: report.rowsRead,
    ignored: report.ignored,
    redactions: report.redactions,
    checkpoint: { from: report.checkpointFrom, to: report.checkpointTo },
    sources: reads.map((s) => ({ name: s.name, rows: s.rows, from: s.from, to: s.to, error: s.error })),
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
      ...(g.sources.length ? { sources: Object.fromEntries(g.sources) } : {}),
      ...(g.hosts.length ? { hosts: g.hosts } : {}),
    })),
    held_back: report.heldBack.map((h) => ({
      fingerprint: h.fingerprint,
      trigger: h.trigger,
      reason: h.reason,
      until: new Date(h.until).toISOString(),
    })),
    incident: report.incident,
    incidents: investigated.incidents,
    investigation: investigated.investigation,
    cost_usd: investigated.costUsd,
    notified: report.notified,
    dry_run: report.dryRun,
  };
}
