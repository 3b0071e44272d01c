import { fenceText, flattenInline, quoteCode, renderPushedAnswer } from './fence.js';
import type { SeriesReport } from './health.js';
import { formatRecent } from './health-prompt.js';
import type { Diagnosis } from './investigation.js';
import { formatValue } from './judge-format.js';
import { describeNoDiagnosis } from './no-diagnosis.js';
import type { Severity } from './notification.js';
import { formatUtc } from './prompt.js';
import { truncateChars } from './text.js';

/** What a health incident shows: the concerning series, and their charts' file names by series key. */
export interface HealthReport {
  series: SeriesReport[];
  charts: Record<string, string>;
}

const TITLE_NAMES = 3;

/** Title and severity without a diagnosis. Never `critical` (that needs a judgement): `high` when a
 * limit or a hard threshold is involved, `medium` for a deviation from the usual alone. */
export function summariseHealth(series: readonly SeriesReport[]): { title: string; severity: Severity; because: string } {
  const names = series.slice(0, TITLE_NAMES).map((s) => flattenInline(s.name, 40));
  const more = series.length > TITLE_NAMES ? ` (+${series.length - TITLE_NAMES} more)` : '';
  const title = `Concerning: ${names.join(', ') || 'no series'}${more}`;
  const limited = series.find((s) => s.flags.some((f) => f.kind === 'limit') || s.reasons.length > s.flags.length);
  if (limited) return { title, severity: 'high', because: `${quoteCode(limited.name, 64)} is at or near a limit or threshold` };
  return { title, severity: 'medium', because: 'deviations from the usual, no limit or threshold involved' };
}

/** Per series: the verdict, why (flags and thresholds), the sparkline, the chart next to the file. */
export function renderHealthSection(report: HealthReport): string {
  return report.series
    .map((s) => {
      const chart = report.charts[s.key];
      const parts = [
        `### ${quoteCode(s.name, 80)}: concerning`,
        `From the ${quoteCode(`${s.analysis}`, 40)} analysis${describeArgs(s.args)}. ${flattenInline(truncateChars(s.summary, 600), 600)}`,
        s.reasons.map((r) => `- ${flattenInline(r, 300)}`).join('\n'),
        fenceText(
          `${s.sparkline}\n${formatUtc(s.from)} → ${formatUtc(s.to)}${s.limit === null ? '' : `, limit ${formatValue(s.limit)}${s.unit}`}`,
        ),
        `Last values (UTC): ${flattenInline(formatRecent(s), 600)}`,
      ];
      if (chart)
        parts.push(
          `[![Chart of ${flattenInline(s.name, 80).replace(/[[\]]/g, '')}, flagged spans shaded](${encodeURI(chart)})](${encodeURI(chart)})`,
        );
      return parts.join('\n\n');
    })
    .join('\n\n');
}

const describeArgs = (args: SeriesReport['args']) => {
  const text = Object.entries(args)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return text ? ` (${quoteCode(text, 100)})` : '';
};

/** The notification: the diagnosis or the title, then one line and a sparkline per series. */
export function describeHealthNotification(diagnosis: Diagnosis, series: readonly SeriesReport[], title: string): string {
  const lines = series
    .slice(0, 6)
    .flatMap((s) => [`**${flattenInline(s.name, 60)}**: ${flattenInline(s.reasons[0] ?? s.summary, 200)}`, `\`${s.sparkline}\``]);
  if (diagnosis.kind === 'claude') {
    return [...renderPushedAnswer(diagnosis.answer.summary, diagnosis.answer.actions), '', ...lines].join('\n');
  }
  return [`${title}`, '', ...lines, '', `No diagnosis: ${describeNoDiagnosis(diagnosis.why)}.`].join('\n');
}
