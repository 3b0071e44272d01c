import type { LoadedConfig } from '../adapters/config-paths.js';
import type { StateStore } from '../core/state-store.js';
import { openLogRowsLazily } from '../analysis/log-rows.js';
import { analysesOf } from '../analysis/registry.js';
import { judgeSeriesNow, type SeriesVerdict } from '../core/health.js';
import type { Redactor } from '../core/redact.js';
import type { CommandContext } from '../core/types.js';

export interface HealthCheck {
  verdicts: SeriesVerdict[];
  /** Analyses that refused to run (a metric whose SQL no longer prepares, say), one line each. */
  problems: string[];
}

/** Runs every analysis that judges a series (system, each configured metric, errors overall) from
 * the same registry Claude's tools come from, and judges each series as of now. */
export async function checkHealth(loaded: LoadedConfig, state: StateStore, redactor: Redactor, ctx: CommandContext): Promise<HealthCheck> {
  const { config, paths } = loaded;
  const analyses = analysesOf(loaded, ctx.env);
  const calls: { name: string; args: Record<string, string> }[] = [
    { name: 'system', args: {} },
    ...config.metrics.map((m) => ({ name: 'metric', args: { name: m.name } })),
    { name: 'errors', args: {} },
  ];
  const logs = openLogRowsLazily(paths.database, config.source, ctx.env, paths.databaseSnapshot);
  const check: HealthCheck = { verdicts: [], problems: [] };
  try {
    for (const call of calls) {
      const analysis = analyses.find((a) => a.name === call.name)!;
      const result = await analysis.run(call.args, { config, state, logs, redactor, clock: ctx.clock });
      if (result.kind === 'rejected') check.problems.push(`${[call.name, ...Object.values(call.args)].join(' ')}: ${result.text}`);
      else for (const series of result.series ?? []) check.verdicts.push(judgeSeriesNow(call.name, call.args, series));
    }
  } finally {
    await logs.close();
  }
  return check;
}
