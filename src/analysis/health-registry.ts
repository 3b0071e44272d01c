import type { Config } from '../core/config.js';
import type { HealthAnalysis } from './define-health.js';
import { errorsSeries } from './errors-series.js';
import { ANALYSIS_NAMES } from './registry.js';
import { createMetricAnalysis } from './metric.js';
import { createScriptAnalysis } from './operator-script.js';
import { systemAnalysis } from './system.js';

export interface HealthAnalysisOptions {
  config: Config;
  /** The log database, resolved against the config file's directory. */
  database: string;
  /** Looked up for the names a script declares in `env`; nothing else is passed on. */
  env: NodeJS.ProcessEnv;
  /** Scripts run here (the config file's directory), so relative commands read as written. */
  cwd: string;
}

/** The health analyses: built in first, then one per configured script; a script named like any
 * built-in analysis is left out, so a config can never shadow one. */
export function createHealthAnalyses(options: HealthAnalysisOptions): HealthAnalysis[] {
  const builtIn = [systemAnalysis, createMetricAnalysis(options.database), errorsSeries];
  const taken = new Set([...ANALYSIS_NAMES, ...builtIn.map((a) => a.name)]);
  const scripts = options.config.scripts
    .filter((s) => !taken.has(s.name))
    .map((s) => createScriptAnalysis(s, { env: options.env, cwd: options.cwd }));
  return [...builtIn, ...scripts];
}
