import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { closeIncident, readIncidentFile } from '../adapters/incident-status.js';
import { listIncidents, type IncidentSummary } from '../adapters/incident-writer.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { flattenInline } from '../core/fence.js';
import { stripControls } from '../core/text.js';
import type { CommandContext } from '../core/types.js';
import { operatorName } from './operator-name.js';

export interface IncidentsOptions {
  config?: string;
  json?: boolean;
  /** Closed ones too. */
  all?: boolean;
  /** Only those created within this duration, e.g. 7d. */
  since?: string;
}

/** Lists the open incidents (all with --all), newest first: date, severity, verdict, title, file. */
export async function incidentsCommand(options: IncidentsOptions, ctx: CommandContext): Promise<number> {
  const { paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  let since = -Infinity;
  if (options.since !== undefined) {
    const window = parseDuration(options.since);
    if (!window) throw new SentinelError(`--since: expected a duration such as 7d, got ${JSON.stringify(options.since)}`, ExitCode.usage);
    since = ctx.clock.now() - window;
  }
  const { incidents: every, problems } = listIncidents(paths.incidentsDir);
  for (const p of problems) ctx.stderr(`sentinel: warning: ${p.file}: ${flattenInline(p.reason, 200)}`);
  const incidents = every.filter((i) => (options.all || i.status === 'open') && i.created >= since);
  if (options.json) {
    ctx.stdout(JSON.stringify(incidents.map((i) => ({ ...i, created: new Date(i.created).toISOString() }))));
    return ExitCode.ok;
  }
  if (incidents.length === 0) {
    const hidden = every.length - incidents.length;
    ctx.stdout(
      `no ${options.all ? '' : 'open '}incidents in ${paths.incidentsDir}${hidden > 0 ? ` (${hidden} more with --all${options.since ? ' and a longer --since' : ''})` : ''}`,
    );
    return ExitCode.ok;
  }
  for (const incident of incidents) ctx.stdout(renderLine(incident, !!options.all));
  return ExitCode.ok;
}

/** Titles are model-written: flattened so a terminal shows exactly one line per incident. */
function renderLine(i: IncidentSummary, withStatus: boolean): string {
  const date = new Date(i.created).toISOString().slice(0, 16).replace('T', ' ');
  const cell = (text: string, width: number) => flattenInline(text, width).padEnd(width);
  const status = withStatus ? `${cell(i.status, 6)}  ` : '';
  return `${date}  ${status}${cell(i.id, 12)}  ${cell(i.severity, 8)}  ${cell(i.verdict, 10)}  ${cell(i.title, 60)}  ${flattenInline(i.file, 200)}`;
}

/** `incidents show ID|FILE`: the file as written; control characters stripped, the terminal is ours. */
export async function incidentsShowCommand(options: { config?: string; ref: string }, ctx: CommandContext): Promise<number> {
  const path = findIncident(options, ctx);
  ctx.stdout(stripControls(readIncidentFile(path)).trimEnd());
  return ExitCode.ok;
}

/** `incidents close ID [--note TEXT]`: status closed, when, by whom and why, in the front matter. */
export async function incidentsCloseCommand(
  options: { config?: string; ref: string; note?: string },
  ctx: CommandContext,
): Promise<number> {
  const path = findIncident(options, ctx);
  closeIncident(path, {
    at: new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    by: operatorName(ctx.env),
    note: options.note ?? null,
  });
  ctx.stdout(`closed ${basename(path)}${options.note ? `: ${flattenInline(options.note, 200)}` : ''}`);
  return ExitCode.ok;
}

/** By the id in its front matter, its file name, or a path to the file. */
function findIncident(options: { config?: string; ref: string }, ctx: CommandContext): string {
  const { paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { incidents } = listIncidents(paths.incidentsDir);
  const byId = incidents.filter((i) => i.id === options.ref || i.file === options.ref || i.file === `${options.ref}.md`);
  if (byId.length === 1) return join(paths.incidentsDir, byId[0]!.file);
  if (byId.length > 1)
    throw new SentinelError(
      `incident ${JSON.stringify(options.ref)} names ${byId.length} files (${byId.map((i) => i.file).join(', ')}); give the file name`,
      ExitCode.usage,
    );
  const path = resolve(ctx.cwd, options.ref);
  if (options.ref.endsWith('.md') && existsSync(path)) return path;
  throw new SentinelError(
    `no incident ${JSON.stringify(options.ref)} in ${paths.incidentsDir}; \`sentinel incidents --all\` lists them`,
    ExitCode.usage,
  );
}
