import { fenceText, flattenInline } from './fence.js';
import type { HealthSubject, SeriesReport } from './health.js';
import { formatValue } from './judge-format.js';
import { fillTemplate, formatUtc, renderTools, type PromptTool } from './prompt.js';
import { truncateChars } from './text.js';

export interface HealthPromptInput {
  /** The text of prompts/health.md. */
  template: string;
  subject: HealthSubject;
  tools: PromptTool[];
}

/** At most this many series in full; a bigger outage is still one investigation. */
const MAX_SERIES = 12;

/** The health prompt: each concerning series' judgement, reasons, sparkline and recent values. The
 * names come from the config and the values from the log, so all of it is fenced as data. */
export function renderHealthPrompt(input: HealthPromptInput): string {
  const { series, window } = input.subject;
  const shown = series.slice(0, MAX_SERIES);
  const more =
    series.length > shown.length ? `\n\n… and ${series.length - shown.length} more concerning series (the tools can show them).` : '';
  return fillTemplate(input.template, {
    window: `${formatUtc(window.from)} to ${formatUtc(window.to)}`,
    overview: `${series.length} concerning series, each below.`,
    series: shown.map((s, i) => renderSeries(s, i + 1, series.length)).join('\n\n') + more,
    tools: renderTools(input.tools),
  });
}

function renderSeries(s: SeriesReport, index: number, total: number): string {
  const args = Object.entries(s.args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines = [
    `series: ${s.name}`,
    `judgement: ${truncateChars(s.summary, 600)}`,
    'concerning now because:',
    ...s.reasons.slice(0, 6).map((r) => `- ${truncateChars(r, 300)}`),
    ...(s.limit === null ? [] : [`limit: ${formatValue(s.limit)}${s.unit}`]),
    `sparkline ${formatUtc(s.from)} to ${formatUtc(s.to)}: ${s.sparkline}`,
    `recent values: ${formatRecent(s)}`,
  ];
  return [
    `### Series ${index} of ${total}: tool ${s.analysis}${args ? ` with ${flattenInline(args, 100)}` : ''}`,
    fenceText(lines.join('\n')),
  ].join('\n\n');
}

/** `18:53Z 180, 18:54Z 181`: UTC clock times and values, oldest first. */
export function formatRecent(s: Pick<SeriesReport, 'recent' | 'unit'>): string {
  return s.recent.map((p) => `${formatUtc(p.t).slice(11, 16)}Z ${formatValue(p.v)}${s.unit}`).join(', ');
}
