import type { Config } from '../core/config.js';
import { dirname, resolve } from 'node:path';
import type { LoadedConfig } from '../adapters/config-paths.js';
import { openCodeRoots } from '../adapters/code-tree.js';
import { createRecentChanges, createShowChange } from './changes.js';
import { createSearchCode, createSourceAt } from './code.js';
import type { Analysis } from './define.js';
import { errorGroup } from './error-group.js';
import { errorsSeries } from './errors-series.js';
import { fingerprintCounts } from './fingerprint-counts.js';
import { createMetricAnalysis } from './metric.js';
import { createPastIncidents } from './past-incidents.js';
import { createScriptAnalysis } from './operator-script.js';
import { rowsAround } from './rows-around.js';
import { systemAnalysis } from './system.js';

export interface AnalysesOptions {
  config: Config;
  /** The log database, resolved against the config file's directory (null: the source is PostgreSQL). */
  database: string | null;
  /** The run's copy of a stopped app's database (`sourceSnapshotDir`), read while it is current. */
  runSnapshotDir?: string;
  /** Looked up for the names a script declares in `env`; nothing else is passed on. */
  env: NodeJS.ProcessEnv;
  /** Scripts run here (the config file's directory), so relative commands read as written. */
  cwd: string;
}

/** The one list of analyses: what `sentinel analyze` runs, `sentinel mcp` serves and Claude is
 * allowed (as `mcp__sentinel__<name>`, in this order). Built in first, then one per configured
 * script; a script named like a built-in is left out, so a config can never shadow one. */
export function createAnalyses(options: AnalysesOptions): Analysis[] {
  const builtIn = [
    errorGroup,
    rowsAround,
    fingerprintCounts,
    systemAnalysis,
    createMetricAnalysis(options.database, options.env, options.runSnapshotDir),
    errorsSeries,
    createPastIncidents(resolve(options.cwd, options.config.incidents_dir)),
    ...codeAnalyses(options),
  ];
  const taken = new Set(builtIn.map((a) => a.name));
  const scripts = options.config.scripts
    .filter((s) => !taken.has(s.name))
    .map((s) => createScriptAnalysis(s, { env: options.env, cwd: options.cwd }));
  return [...builtIn, ...scripts];
}

/** `createAnalyses` for a loaded config: its log database (and the run's copy of it), scripts run
 * from the config file's directory. */
export function analysesOf(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Analysis[] {
  const { config, paths, file } = loaded;
  return createAnalyses({ config, database: paths.database, runSnapshotDir: paths.databaseSnapshot, env, cwd: dirname(file) });
}

/** Only with `code:` in the config: without source there is nothing for them to read. */
function codeAnalyses(options: AnalysesOptions): Analysis[] {
  if (options.config.code.length === 0) return [];
  const roots = openCodeRoots(options.config.code, options.cwd);
  return [createSourceAt(roots), createSearchCode(roots), createRecentChanges(roots), createShowChange(roots)];
}
