import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from '../core/zod.js';
import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { openStateStore } from '../adapters/state-store.js';
import type { AnalysisDeps, AnalysisResult } from '../analysis/define.js';
import { openLogRowsLazily } from '../analysis/log-rows.js';
import { analysesOf } from '../analysis/registry.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { closest } from '../core/zod-issues.js';
import type { ChartSeries } from '../core/health.js';
import { createRedactor } from '../core/redact.js';
import { renderSvgChart } from '../core/svg-chart.js';
import type { CommandContext } from '../core/types.js';
import { requireGroup } from './group-lookup.js';

export interface AnalyzeOptions {
  name: string;
  /** Everything after the name: `--key value`, `--key=value`, and at most one bare value. */
  args: string[];
  json?: boolean;
  /** Write each judged series as an SVG chart into this directory. */
  svg?: string;
  config?: string;
}

/** The argument a bare value fills: `sentinel analyze metric queue_depth`. */
const POSITIONAL: Record<string, string> = {
  metric: 'name',
  errors: 'fingerprint',
  error_group: 'fingerprint',
  fingerprint_counts: 'fingerprint',
  rows_around: 'id',
  source_at: 'file',
  search_code: 'pattern',
  show_change: 'commit',
  past_incidents: 'fingerprint',
};

type Parsed = { ok: true; args: Record<string, string | true> } | { ok: false; message: string };

/** Command-line words to named arguments; values stay strings until the schema says otherwise. */
export function parseAnalyzeArgs(words: readonly string[], positional: string | undefined): Parsed {
  const args: Record<string, string | true> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    const option = /^--([a-z][a-z0-9_-]*)(?:=(.*))?$/s.exec(word);
    if (option) {
      const key = (option[1] ?? '').replaceAll('-', '_');
      const next = words[i + 1];
      if (option[2] !== undefined) args[key] = option[2];
      else if (next !== undefined && !next.startsWith('--')) args[key] = words[++i] ?? '';
      else args[key] = true;
    } else if (positional && args[positional] === undefined && !word.startsWith('-')) {
      args[positional] = word;
    } else {
      return { ok: false, message: `unexpected argument ${JSON.stringify(word)}${positional ? '' : ' (arguments are --name value)'}` };
    }
  }
  return { ok: true, args };
}

/** Numbers and booleans as the schema wants them; anything unreadable is left for it to refuse. */
function coerceArgs(schema: z.ZodObject, args: Record<string, string | true>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => {
      let field: unknown = schema.shape[key];
      while (field instanceof z.ZodOptional || field instanceof z.ZodDefault) field = field.unwrap();
      if (field instanceof z.ZodNumber && typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return [key, Number(value)];
      return [key, value];
    }),
  );
}

export async function analyzeCommand(options: AnalyzeOptions, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { config, paths } = loaded;
  const name = options.name.replaceAll('-', '_');
  const analyses = analysesOf(loaded, ctx.env);
  const analysis = analyses.find((a) => a.name === name);
  if (!analysis) {
    const known = analyses.map((a) => a.name);
    const near = closest(name, known);
    throw new SentinelError(
      `analyze: no analysis named ${JSON.stringify(options.name)}${near ? ` (did you mean ${near}?)` : ''}; known: ${known.join(', ')}`,
      ExitCode.usage,
    );
  }
  const parsed = parseAnalyzeArgs(options.args, POSITIONAL[name]);
  if (!parsed.ok) throw new SentinelError(`analyze ${name}: ${parsed.message}`, ExitCode.usage);

  const state = openStateStore(paths.stateDir, { readonly: true });
  const lazyLogs = openLogRowsLazily(paths.database, config.source, ctx.env, paths.databaseSnapshot);
  let result: AnalysisResult;
  try {
    // People copy a prefix of a fingerprint; Claude is given whole ones, so only the command line looks it up.
    const { fingerprint } = parsed.args;
    if (typeof fingerprint === 'string' && POSITIONAL[name] === 'fingerprint')
      parsed.args.fingerprint = requireGroup(state, fingerprint, `analyze ${name}`);
    const deps: AnalysisDeps = { config, state, logs: lazyLogs, redactor: createRedactor(config.redact.patterns), clock: ctx.clock };
    result = await analysis.run(coerceArgs(analysis.inputSchema, parsed.args), deps);
  } finally {
    await lazyLogs.close();
    state.close();
  }
  if (result.kind === 'rejected') throw new SentinelError(`analyze ${name}: ${result.text}`, ExitCode.usage);
  const series = result.series ?? [];
  if (options.svg) writeCharts(resolve(ctx.cwd, options.svg), series, ctx);
  if (options.json) {
    ctx.stdout(
      JSON.stringify({
        analysis: analysis.name,
        truncated: result.truncated,
        text: result.text,
        series: series.map((s) => ({
          name: s.name,
          verdict: s.judgement.verdict,
          summary: s.judgement.summary,
          flags: s.judgement.flags,
          limit: s.judgement.limit ?? null,
          points: s.points.length,
        })),
      }),
    );
  } else {
    ctx.stdout(result.text);
  }
  return ExitCode.ok;
}

function writeCharts(dir: string, series: readonly ChartSeries[], ctx: CommandContext): void {
  try {
    mkdirSync(dir, { recursive: true });
    for (const s of series) {
      const path = join(dir, `${s.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'series'}.svg`);
      const { flags } = s.judgement;
      writeFileSync(
        path,
        renderSvgChart({
          title: s.name,
          points: s.points,
          flags,
          ...(s.unit ? { unit: s.unit } : {}),
          ...(s.limit === undefined ? {} : { limit: s.limit }),
        }),
      );
      ctx.stderr(`sentinel: wrote ${path}`);
    }
  } catch (error) {
    // A directory the user named that cannot take the files is a bad argument, not a bug.
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SentinelError(`--svg ${dir}: cannot write the charts: ${code}`, ExitCode.usage, { cause: error });
  }
}
