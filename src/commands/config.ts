import * as z from '../core/zod.js';
import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { loadIgnoreRules } from '../adapters/ignore-file.js';
import { openAnyMetricReader } from '../analysis/metric.js';
import type { MetricReader } from '../analysis/metric-reader.js';
import { configSchema } from '../core/config.js';
import { ExitCode, SentinelError, errorMessage } from '../core/errors.js';
import { whyMissing } from '../stages/doctor-checks.js';
import type { CommandContext } from '../core/types.js';

/** The config's JSON Schema, generated from the zod schema the loader validates with. */
export async function configSchemaCommand(ctx: CommandContext): Promise<number> {
  ctx.stdout(JSON.stringify(z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }), null, 2));
  return ExitCode.ok;
}

/** Validates the config file, the ignore file it names, and each metric's query (prepared once on
 * the log database, never run); errors exit 2 like every command's. */
export async function configCheckCommand(options: { config?: string; file?: string }, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.file ?? options.config, ctx.env, ctx.cwd), ctx.env);
  const rules = loadIgnoreRules(loaded.paths.ignoreFile);
  // Valid, but a typo here would make every run fail: worth a word (a laptop without the log may ignore it).
  const missing = loaded.paths.database === null ? null : whyMissing(loaded.paths.database);
  if (missing)
    ctx.stderr(
      `sentinel: warning: source.path ${loaded.paths.database}: ${missing}${loaded.config.metrics.length ? ' (metrics not checked)' : ''}`,
    );
  else await checkMetrics(loaded, ctx);
  ctx.stdout(`${loaded.file}: valid (${rules.length} ignore rules in ${loaded.paths.ignoreFile})`);
  return ExitCode.ok;
}

async function checkMetrics({ config, file, paths }: ReturnType<typeof loadConfig>, ctx: CommandContext): Promise<void> {
  if (config.metrics.length === 0) return;
  let reader: MetricReader;
  try {
    reader = await openAnyMetricReader(paths.database, config.source, ctx.env, paths.databaseSnapshot);
  } catch (error) {
    // The file can be valid on a machine without the log (a laptop, CI): say what was not checked.
    ctx.stderr(`sentinel: warning: metrics not checked: ${errorMessage(error)}`);
    return;
  }
  try {
    const errors: string[] = [];
    for (const metric of config.metrics) {
      const problem = await reader.check(metric);
      if (problem !== null) errors.push(`metrics[${metric.name}].${metric.sql !== undefined ? 'sql' : 'count_where'}: ${problem}`);
    }
    if (errors.length) throw new SentinelError(`${file}: ${errors.join('; ')}`, ExitCode.usage);
  } finally {
    await reader.close();
  }
}
