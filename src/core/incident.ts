import { stringify } from 'yaml';
import type { Answer, Verdict } from './answer.js';
import { fenceText, flattenInline, quoteCode, sanitiseProse } from './fence.js';
import { deriveFallbackSeverity, renderGroupIgnoreCommands, renderGroups, renderIgnoreCommands } from './incident-groups.js';
import { renderHealthSection, summariseHealth, type HealthReport } from './incident-health.js';
import { levelName } from './levels.js';
import type { Severity } from './notification.js';
import { bySeverity } from './group-order.js';
import { describeOffset, shortHash, type GroupCode } from './code-context.js';
import { truncateChars, truncateMiddleUtf8Bytes } from './text.js';
import { formatUtc, type TriggeredGroup } from './prompt.js';
import { formatRoughly, SILENCE_FINGERPRINT } from './silence.js';
import type { Diagnosis, NoDiagnosis, ReportKind } from './investigation.js';
import { plural } from './plural.js';
import { hostsPhrase } from './spread.js';

export interface IncidentInput {
  kind: ReportKind;
  /** Stable id, e.g. the investigation's id in the state DB. */
  id: string;
  created: number;
  groups: TriggeredGroup[];
  window: { from: number; to: number };
  diagnosis: Diagnosis;
  /** Why earlier attempts failed, oldest first. */
  earlierFailures: string[];
  /** The groups' application frames and the recent commits touching them, when `code:` is configured. */
  code?: GroupCode[];
  /** Dollars spent on this investigation, failed attempts included. */
  costUsd: number;
  /** A health report's series and charts (`kind: 'health'`; its `groups` are empty). */
  health?: HealthReport;
}

const MAX_FRONT_MATTER_FINGERPRINTS = 100;
const MAX_TOOL_CALLS = 50;
const ANALYSIS_CAP = 8192;

/** Title, severity and verdict: what the file name and the notification need too. */
export function summariseIncident(input: IncidentInput): { title: string; severity: Severity; verdict: Verdict } {
  const { diagnosis } = input;
  if (diagnosis.kind === 'claude') {
    const { answer } = diagnosis;
    return { title: flattenInline(answer.title, 120) || 'Untitled incident', severity: answer.severity, verdict: answer.verdict };
  }
  if (input.health) {
    const { title, severity } = summariseHealth(input.health.series);
    return { title, severity, verdict: 'unclear' };
  }
  return { title: describeGroups(input.groups), severity: deriveFallbackSeverity(input.groups).severity, verdict: 'unclear' };
}

/** `2026-05-01-incident-gemini-429s-stall-the-queue.md`; the writer adds -2, -3 … on a collision. */
export function incidentFileName(kind: ReportKind, created: number, title: string): string {
  return `${formatUtc(created).slice(0, 10)}-${kind}-${slugify(title)}.md`;
}

/** ASCII, lower-case, `-` separated, at most 48 characters, never empty. */
export function slugify(title: string): string {
  const words = title
    .replace(/\([^)]*\)/g, ' ') // "(+2 more groups)" would read like a collision suffix
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  let slug = '';
  for (const word of words.slice(0, 8)) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > 48) break;
    slug = next;
  }
  return slug || words[0]?.slice(0, 48) || 'untitled';
}

export function renderIncident(input: IncidentInput): string {
  const { title, severity, verdict } = summariseIncident(input);
  const rows = input.groups.reduce((sum, g) => sum + g.count, 0);
  const { diagnosis } = input;
  const frontMatter = stringify(
    {
      id: input.id,
      kind: input.kind,
      created: formatUtc(input.created),
      status: 'open',
      title,
      severity,
      verdict,
      ...(input.health
        ? { trigger: 'health', series: input.health.series.map((s) => s.key) }
        : {
            trigger: [...new Set(input.groups.map((g) => g.trigger ?? 'none'))].join(', ') || 'none',
            fingerprints: input.groups.slice(0, MAX_FRONT_MATTER_FINGERPRINTS).map((g) => g.fingerprint),
            groups: input.groups.length,
            rows,
          }),
      window: { from: formatUtc(input.window.from), to: formatUtc(input.window.to) },
      diagnosis: diagnosisState(diagnosis),
      model: diagnosis.kind === 'claude' ? diagnosis.run.model : null,
      cost_usd: Number(input.costUsd.toFixed(4)),
    },
    { lineWidth: 0 },
  );
  const facts = [`severity **${severity}**`, `verdict **${verdict.replace('_', ' ')}**`];
  if (diagnosis.kind === 'claude') facts.push(`confidence ${Math.round(diagnosis.answer.confidence * 100)}%`);
  facts.push(
    input.health ? `${input.health.series.length} concerning series` : `${countGroups(input.groups)}, ${plural(rows, 'row')}`,
    `${formatUtc(input.window.from)} to ${formatUtc(input.window.to)}`,
  );
  const sections = [`---\n${frontMatter}---`, `# ${sanitiseProse(title, 120)}`, facts.join(' · ')];
  sections.push(...(diagnosis.kind === 'claude' ? renderDiagnosis(diagnosis.answer) : renderFallback(input, diagnosis)));
  if (input.health) sections.push('## Series', renderHealthSection(input.health));
  if (input.groups.length > 0) sections.push('## Error groups', renderGroups(input.groups));
  if (input.code && input.code.length > 0) sections.push('## Code and recent changes', renderCodeSection(input.code, input.groups));
  if (diagnosis.kind === 'claude' && diagnosis.answer.suggested_ignore.length > 0) {
    sections.push(
      '## Suggested ignore rules',
      'Suggested by the model: read them before running them.',
      renderIgnoreCommands(diagnosis.answer.suggested_ignore),
    );
  }
  sections.push('## Run details', renderRunDetails(input));
  if (input.groups.length > 0) sections.push('## Ignore a group', renderGroupIgnoreCommands(input.groups));
  return `${sections.join('\n\n')}\n`;
}

function renderDiagnosis(answer: Answer): string[] {
  const confirmed = answer.root_cause.status === 'confirmed';
  const evidence = answer.evidence.map((e) => `- ${quoteCode(e.tool, 100)}: ${renderLine(e.finding, 1000)}`);
  const actions = answer.actions.map((a, i) => `${i + 1}. ${renderLine(a, 500)}`);
  return [
    '## Summary',
    sanitiseProse(answer.summary, 2000),
    confirmed ? '## Root cause (confirmed by the evidence)' : '## Root cause (hypothesis)',
    sanitiseProse(answer.root_cause.text, 2000),
    '## Evidence',
    evidence.join('\n') || 'None given.',
    '## Suggested actions',
    actions.join('\n') || 'None given.',
  ];
}

function renderFallback(input: IncidentInput, diagnosis: Extract<Diagnosis, { kind: 'fallback' }>): string[] {
  const rows = input.groups.reduce((sum, g) => sum + g.count, 0);
  const summary = input.health
    ? `${input.health.series.length} series concerning between ${formatUtc(input.window.from)} and ${formatUtc(input.window.to)}. Severity derived from the series: ${summariseHealth(input.health.series).because}.`
    : `${countGroups(input.groups)}, ${plural(rows, 'row')} between ${formatUtc(input.window.from)} and ${formatUtc(input.window.to)}. Severity derived from the groups: ${deriveFallbackSeverity(input.groups).because}.`;
  const analyses = diagnosis.analyses.flatMap((a) => [
    `### ${quoteCode(a.tool, 100)}`,
    fenceText(truncateMiddleUtf8Bytes(a.text, ANALYSIS_CAP)),
  ]);
  return [
    `**No diagnosis:** ${explainNoDiagnosis(diagnosis.why)}`,
    '## Summary',
    summary,
    '## Analyses (raw output)',
    analyses.join('\n\n') || 'No analysis ran.',
  ];
}

function explainNoDiagnosis(why: NoDiagnosis): string {
  if (why.kind === 'disabled') return 'Claude is disabled in the config (claude.enabled: false).';
  if (why.kind === 'unavailable') return `Claude could not be started (${proseLine(why.detail)}).`;
  if (why.kind === 'over_budget') return `the daily Claude budget is used up (${proseLine(why.detail)}).`;
  if (why.kind === 'pending')
    return `not yet: ${proseLine(why.reason)}. Claude is asked again; this file is updated in place and one more notification follows.`;
  if (why.kind === 'usage_limit')
    return `the Claude subscription's usage limit is reached; investigations resume after ${formatUtc(why.until)}.`;
  return `Claude failed after ${why.attempts} attempt${why.attempts === 1 ? '' : 's'}: ${proseLine(why.reason)}`;
}

/** Front matter `diagnosis:`: `done` (Claude's), `pending` (one will follow), `none` (none will). */
export function diagnosisState(diagnosis: Diagnosis): 'done' | 'pending' | 'none' {
  if (diagnosis.kind === 'claude') return 'done';
  return diagnosis.why.kind === 'pending' ? 'pending' : 'none';
}

/** `3 groups (2 new, 1 escalating)`. */
function countGroups(groups: TriggeredGroup[]): string {
  const byTrigger = new Map<string, number>();
  for (const g of groups) byTrigger.set(g.trigger ?? 'untriggered', (byTrigger.get(g.trigger ?? 'untriggered') ?? 0) + 1);
  const kinds = [...byTrigger].map(([trigger, n]) => `${n} ${trigger}`).join(', ');
  return `${groups.length} group${groups.length === 1 ? '' : 's'}${kinds ? ` (${kinds})` : ''}`;
}

/** A deterministic title from the most severe group (the app falling silent first of all); log text
 * goes in only when it is a plain identifier. */
function describeGroups(groups: TriggeredGroup[]): string {
  const silence = groups.find((g) => g.fingerprint === SILENCE_FINGERPRINT);
  const lead = silence ?? [...groups].sort(bySeverity)[0];
  if (!lead) return 'No error groups';
  const more = groups.length > 1 ? ` (+${groups.length - 1} more group${groups.length > 2 ? 's' : ''})` : '';
  if (lead === silence)
    return `app stopped logging: no rows for ${formatRoughly(lead.lastSeen - lead.firstSeen)}, last at ${formatUtc(lead.firstSeen)}${more}`;
  const trigger = lead.trigger ? `${lead.trigger[0]?.toUpperCase()}${lead.trigger.slice(1)} ` : '';
  const what = identifierOrNull(lead.exceptionType);
  const where = identifierOrNull(lead.logger);
  const place = where ? ` in ${where}` : what ? '' : ` group ${lead.fingerprint.slice(0, 8)}`;
  return `${trigger}${levelName(lead.levelNo)}${what ? ` ${what}` : ''}${place}${hostsPhrase(lead)}${more}`;
}

const identifierOrNull = (text: string | null) => (text && /^[A-Za-z][\w.:-]{0,79}$/.test(text) ? text : null);

/** Where each group failed in the deployed source, and which recent commits touched those files:
 * found by sentinel, whatever the model said. */
function renderCodeSection(code: GroupCode[], groups: TriggeredGroup[]): string {
  return code
    .map((c) => {
      const group = groups.find((g) => g.fingerprint === c.fingerprint);
      const lines = [
        `Group \`${flattenInline(c.fingerprint, 64)}\`, innermost frame last:`,
        ...c.frames.map((f) => `- ${quoteCode(`${f.path}:${f.line}`, 200)} in ${quoteCode(f.function, 80)}`),
      ];
      for (const change of c.changes) {
        const when = group ? `, ${describeOffset(change.time, group.firstSeen)}` : '';
        lines.push(
          `- commit \`${shortHash(change.hash)}\` ${formatUtc(change.time)} by ${quoteCode(change.author, 60)}: ${quoteCode(change.subject, 120)} changed ${change.files.map((f) => quoteCode(f, 120)).join(', ')}${when}`,
        );
      }
      const innermost = c.frames.at(-1);
      if (innermost?.source)
        lines.push(
          '',
          `Source at ${quoteCode(`${innermost.path}:${innermost.line}`, 200)}:`,
          '',
          fenceText(truncateMiddleUtf8Bytes(innermost.source, 1_000)),
        );
      return lines.join('\n');
    })
    .join('\n\n');
}

function renderRunDetails(input: IncidentInput): string {
  const { diagnosis } = input;
  const lines: string[] = [];
  if (diagnosis.kind === 'claude') {
    const { run } = diagnosis;
    lines.push(
      `- Model ${quoteCode(run.model, 64)}, ${run.numTurns} turns, $${run.costUsd.toFixed(4)}${run.costIsEstimate ? ' (estimate: the API-equivalent price; a subscription is not billed per call)' : ''}, ${(run.durationMs / 1000).toFixed(1)} s`,
      `- Tool calls: ${run.toolCalls.length}`,
    );
  }
  lines.push(`- Total cost of this investigation: $${input.costUsd.toFixed(4)}`);
  input.earlierFailures.forEach((reason, i) => lines.push(`- Attempt ${i + 1} failed: ${proseLine(reason)}`));
  const calls = diagnosis.kind === 'claude' ? diagnosis.run.toolCalls : [];
  if (calls.length === 0) return lines.join('\n');
  const listed = calls.slice(0, MAX_TOOL_CALLS).map((c, i) => {
    const args = truncateChars(JSON.stringify(c.input) ?? 'null', 500);
    return `${i + 1}. ${c.name} ${args}${c.isError ? '  [error]' : ''}`;
  });
  if (calls.length > MAX_TOOL_CALLS) listed.push(`… and ${calls.length - MAX_TOOL_CALLS} more`);
  return `${lines.join('\n')}\n\n${fenceText(listed.join('\n'))}`;
}

/** Model prose squeezed onto one list line. */
const renderLine = (text: string, max: number) => sanitiseProse(text, max).replace(/\s*\n\s*/g, ' ');

/** A reason from a process or the model, as one line of prose that cannot open markup. */
const proseLine = (text: string) => sanitiseProse(flattenInline(text, 300), 300);
