import { findConfigFile, loadConfig } from '../adapters/config-file.js';
import { listIncidents, type IncidentSummary } from '../adapters/incident-writer.js';
import { ExitCode } from '../core/errors.js';
import { flattenInline } from '../core/fence.js';
import type { CommandContext } from './context.js';

/** Lists the incident files, newest first: date, severity, verdict, title, file. */
export async function incidentsCommand(options: { config?: string; json?: boolean }, ctx: CommandContext): Promise<number> {
  const { paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { incidents, problems } = listIncidents(paths.incidentsDir);
  for (const p of problems) ctx.stderr(`sentinel: warning: ${p.file}: ${flattenInline(p.reason, 200)}`);
  if (options.json) {
    ctx.stdout(JSON.stringify(incidents.map((i) => ({ ...i, created: new Date(i.created).toISOString() }))));
    return ExitCode.ok;
  }
  if (incidents.length === 0) {
    ctx.stdout(`no incidents in ${paths.incidentsDir}`);
    return ExitCode.ok;
  }
  for (const incident of incidents) ctx.stdout(renderLine(incident));
  return ExitCode.ok;
}

/** Titles are model-written: flattened so a terminal shows exactly one line per incident. */
function renderLine(i: IncidentSummary): string {
  const date = new Date(i.created).toISOString().slice(0, 16).replace('T', ' ');
  const cell = (text: string, width: number) => flattenInline(text, width).padEnd(width);
  return `${date}  ${cell(i.severity, 8)}  ${cell(i.verdict, 10)}  ${cell(i.title, 60)}  ${flattenInline(i.file, 200)}`;
}
