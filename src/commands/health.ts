import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { acquireRunLock } from '../adapters/run-lock.js';
import { openStateStore } from '../adapters/state-store.js';
import { ExitCode, errorMessage } from '../core/errors.js';
import { buildHealthSubject, pickDueSeries, renderHealthSummary, type HealthRunReport } from '../core/health.js';
import { createRedactor } from '../core/redact.js';
import { checkHealth } from '../stages/health-check.js';
import type { InvestigationKind } from '../core/investigation.js';
import type { CommandContext } from '../core/types.js';

export interface HealthOptions {
  config?: string;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * [judge every series] → [cooldown per series] → the same [investigate → report → notify] path as
 * errors. It takes the run lock: it shares the investigation queue, the outbox and the daily Claude
 * budget with `sentinel run`, and the lock is what keeps one Claude call and one delivery at a time.
 */
export async function healthCommand(options: HealthOptions, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { config, paths } = loaded;
  const dryRun = !!options.dryRun;
  const lock = dryRun ? null : acquireRunLock(paths.stateDir, ctx.pid);
  try {
    const state = openStateStore(paths.stateDir, { readonly: dryRun });
    const now = ctx.clock.now();
    const runId = dryRun ? 0 : state.startRun('health', now, null, ctx.pid);
    try {
      const redactor = createRedactor(config.redact.patterns);
      const checked = await checkHealth(loaded, state, redactor, ctx);
      for (const problem of checked.problems) ctx.stderr(`sentinel: warning: health: ${problem}`);
      const due = pickDueSeries(checked.verdicts, state.healthAlerts(), config.investigate.cooldown, now);
      const report: HealthRunReport = {
        verdicts: checked.verdicts,
        alerted: new Set(due.map((v) => v.key)),
        incident: null,
        notified: 0,
        dryRun,
      };
      let investigation: InvestigationKind = 'none';
      if (!dryRun) {
        if (due.length)
          state.queueHealthInvestigation(
            JSON.stringify(buildHealthSubject(due, now)),
            due.map((v) => v.key),
            now,
          );
        if (state.hasPendingWork()) {
          const { reportAndNotify } = await import('../stages/report.js');
          const { investigated, notified } = await reportAndNotify(loaded, state, redactor, ctx, false, 'health');
          report.incident = investigated.incidents.at(-1) ?? null;
          report.notified = notified;
          investigation = investigated.investigation;
        }
        state.finishRun(runId, ctx.clock.now(), 'ok', null);
      }
      ctx.stdout(options.json ? JSON.stringify(toJson(report, investigation)) : renderHealthSummary(report));
      return ExitCode.ok;
    } catch (error) {
      if (!dryRun) state.finishRun(runId, ctx.clock.now(), 'failed', errorMessage(error));
      throw error;
    } finally {
      state.close();
    }
  } finally {
    lock?.release();
  }
}

function toJson(report: HealthRunReport, investigation: InvestigationKind) {
  return {
    series: report.verdicts.map((v) => ({
      key: v.key,
      analysis: v.analysis,
      name: v.series.name,
      verdict: v.verdict,
      reasons: v.reasons,
      summary: v.series.judgement.summary,
      alerted: report.alerted.has(v.key),
      points: v.series.points.length,
    })),
    incident: report.incident,
    investigation,
    notified: report.notified,
    dry_run: report.dryRun,
  };
}
