import { renderGroupCode, type GroupCode } from './code-context.js';
import { truncateChars, truncateMiddleUtf8Bytes, utf8Bytes } from './text.js';
import { fenceText, flattenInline, quoteCode } from './fence.js';
import { levelName } from './levels.js';
import { spreadLines, type GroupSpread } from './spread.js';
import type { GroupTally } from './tally.js';
import type { Trigger } from './triggers.js';

/** A group as the prompt and the incident file show it; `CollectedGroup` fits as it is. */
export type TriggeredGroup = Pick<
  GroupTally,
  'fingerprint' | 'template' | 'exceptionType' | 'logger' | 'function' | 'levelNo' | 'count' | 'firstSeen' | 'lastSeen' | 'samples'
> & { trigger: Trigger | null; triggerReason: string /** Splinter groups this run folded into it. */; folded?: string[] } & GroupSpread;

export interface PromptTool {
  name: string;
  description: string;
}

/** A runbook the team wrote for groups like these (config `runbooks:`). */
export interface PromptRunbook {
  file: string;
  fingerprints: string[];
  text: string;
}

/** An earlier incident of a group, from its incident file. */
export interface PastIncident {
  created: number;
  verdict: string;
  title: string;
  rootCause: string | null;
  /** What the team wrote they did, when the file says so. */
  done: string | null;
  file: string;
}

export interface PromptInput {
  /** The text of prompts/investigate.md. */
  template: string;
  groups: TriggeredGroup[];
  tools: PromptTool[];
  window: { from: number; to: number };
  /** The team's own description of their system (investigate.context_file); absent: none configured. */
  teamContext?: string;
  /** Per group with a traceback: its application frames with source, and recent commits touching them. */
  code?: GroupCode[];
  runbooks?: PromptRunbook[];
  /** Earlier incidents of regressed or escalating groups, newest first. */
  history?: { fingerprint: string; incidents: PastIncident[] }[];
}

/** The rendered prompt stays below this, whatever the number of groups and rows. */
export const PROMPT_MAX_BYTES = 24_000;
const MAX_LISTED = 40;
const MAX_TOOLS = 40;
/** The team's words and their runbooks are trusted but bounded: the groups need the room more. */
export const TEAM_CONTEXT_MAX_BYTES = 4_000;
export const RUNBOOKS_MAX_BYTES = 4_000;

interface Detail {
  full: number;
  samples: number;
  template: number;
  message: number;
  traceback: number;
  extra: number;
  /** Application frames with source per group, and the bytes of source each. */
  frames: number;
  source: number;
  changes: number;
  history: number;
  /** Share of TEAM_CONTEXT_MAX_BYTES and RUNBOOKS_MAX_BYTES kept. */
  teamShare: number;
}

// From the most detail to the least: the first one that fits is used.
const DETAIL: Detail[] = [
  {
    full: 10,
    samples: 3,
    template: 400,
    message: 500,
    traceback: 1536,
    extra: 300,
    frames: 4,
    source: 700,
    changes: 3,
    history: 5,
    teamShare: 1,
  },
  {
    full: 10,
    samples: 3,
    template: 300,
    message: 300,
    traceback: 800,
    extra: 200,
    frames: 3,
    source: 400,
    changes: 2,
    history: 3,
    teamShare: 1,
  },
  {
    full: 10,
    samples: 2,
    template: 200,
    message: 200,
    traceback: 400,
    extra: 100,
    frames: 2,
    source: 300,
    changes: 2,
    history: 3,
    teamShare: 1,
  },
  {
    full: 5,
    samples: 2,
    template: 200,
    message: 200,
    traceback: 400,
    extra: 100,
    frames: 2,
    source: 250,
    changes: 1,
    history: 2,
    teamShare: 0.75,
  },
  {
    full: 3,
    samples: 1,
    template: 120,
    message: 120,
    traceback: 200,
    extra: 0,
    frames: 1,
    source: 200,
    changes: 1,
    history: 1,
    teamShare: 0.5,
  },
  {
    full: 1,
    samples: 1,
    template: 120,
    message: 120,
    traceback: 200,
    extra: 0,
    frames: 1,
    source: 200,
    changes: 1,
    history: 1,
    teamShare: 0.25,
  },
];

/** The investigation prompt: the largest groups in full, the rest one line each, all log text fenced. */
export function renderInvestigationPrompt(input: PromptInput): string {
  const groups = [...input.groups].sort((a, b) => b.count - a.count);
  let prompt = '';
  for (const detail of DETAIL) {
    const shown = groups.slice(0, detail.full);
    prompt = fillTemplate(input.template, {
      team_context: renderTeamContext(input.teamContext, Math.floor(TEAM_CONTEXT_MAX_BYTES * detail.teamShare)),
      window: `${formatUtc(input.window.from)} to ${formatUtc(input.window.to)}`,
      overview: describeOverview(groups, shown.length),
      groups: shown.map((g, i) => renderGroup(g, i + 1, groups.length, detail, input)).join('\n\n'),
      other_groups: renderOtherGroups(groups.slice(shown.length)),
      runbooks: renderRunbooks(input.runbooks ?? [], Math.floor(RUNBOOKS_MAX_BYTES * detail.teamShare)),
      tools: renderTools(input.tools),
    });
    if (utf8Bytes(prompt) < PROMPT_MAX_BYTES) break;
  }
  return prompt;
}

/** Replaces `{{name}}` in one pass, so filled-in text is never scanned for placeholders again. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`prompt template: unknown placeholder {{${name}}}`);
    return value;
  });
}

function describeOverview(groups: TriggeredGroup[], shown: number): string {
  const rows = groups.reduce((sum, g) => sum + g.count, 0);
  const byTrigger = new Map<string, number>();
  for (const g of groups) byTrigger.set(g.trigger ?? 'other', (byTrigger.get(g.trigger ?? 'other') ?? 0) + 1);
  const kinds = [...byTrigger].map(([trigger, n]) => `${n} ${trigger}`).join(', ');
  const plural = groups.length === 1 ? 'group' : 'groups';
  const rest = groups.length > shown ? ` The ${shown} largest are shown in full, the other ${groups.length - shown} one line each.` : '';
  return `${groups.length} triggered ${plural} (${kinds}), ${rows} rows in total.${rest}`;
}

function renderTeamContext(text: string | undefined, maxBytes: number): string {
  if (text === undefined || text.trim() === '') {
    return 'The team has not described its system (investigate.context_file): judge what is normal from the logs and the tools.';
  }
  return truncateMiddleUtf8Bytes(text.trim(), maxBytes);
}

function renderRunbooks(runbooks: PromptRunbook[], maxBytes: number): string {
  if (runbooks.length === 0) return '';
  const each = Math.floor(maxBytes / runbooks.length);
  const parts = runbooks.map(
    (r) =>
      `### Runbook ${quoteCode(r.file, 100)} (for ${r.fingerprints.map((f) => flattenInline(f, 64)).join(', ')})\n\n${truncateMiddleUtf8Bytes(r.text.trim(), Math.max(200, each - 200))}`,
  );
  return `\n\n## The team's runbooks for these groups\n\nWritten by the team for errors like these: follow them where they apply and say which step you took.\n\n${parts.join('\n\n')}`;
}

function renderHistory(incidents: PastIncident[], max: number): string {
  const lines = incidents.slice(0, max).map((i) => {
    const facts = [`${formatUtc(i.created).slice(0, 10)}, verdict ${flattenInline(i.verdict, 20)}: ${flattenInline(i.title, 120)}`];
    if (i.rootCause) facts.push(`root cause: ${flattenInline(i.rootCause, 200)}`);
    if (i.done) facts.push(`what was done: ${flattenInline(i.done, 200)}`);
    return `- ${facts.join('; ')} (${flattenInline(i.file, 100)})`;
  });
  const more = incidents.length > max ? `\n- … and ${incidents.length - max} earlier (past_incidents lists them)` : '';
  // Titles and root causes were written from log text: fenced like it.
  return `This group had incidents before, newest first (from their incident files; untrusted data). Say whether this looks like last time:\n\n${fenceText(`${lines.join('\n')}${more}`)}`;
}

function renderGroup(group: TriggeredGroup, index: number, total: number, detail: Detail, input: PromptInput): string {
  const trigger = group.trigger ? `${group.trigger} (${flattenInline(group.triggerReason, 200)})` : 'none';
  const fields = [
    `template: ${truncateMiddleUtf8Bytes(group.template, detail.template)}`,
    `exception: ${group.exceptionType ?? '-'}`,
    `logger: ${group.logger ?? '-'}`,
    `function: ${group.function ?? '-'}`,
    ...spreadLines(group),
  ].map((line) => truncateChars(line.replace(/\n/g, ' '), detail.template + 20));
  const parts = [
    `### Group ${index} of ${total}: ${group.count} ${levelName(group.levelNo)} rows, trigger ${trigger}`,
    `Fingerprint ${flattenInline(group.fingerprint, 64)}; first seen ${formatUtc(group.firstSeen)}, last seen ${formatUtc(group.lastSeen)}.`,
    fenceText(fields.join('\n')),
  ];
  const samples = group.samples.slice(0, detail.samples);
  const traced = samples.find((s) => s.exception);
  samples.forEach((sample, i) => {
    parts.push(
      `Sample ${i + 1} (row ${sample.id} at ${formatUtc(sample.time)}):`,
      fenceText(truncateMiddleUtf8Bytes(sample.message, detail.message)),
    );
    if (sample === traced && sample.exception) {
      parts.push('Traceback (head and tail):', fenceText(truncateMiddleUtf8Bytes(sample.exception, detail.traceback)));
    }
    if (sample.extra && detail.extra > 0) parts.push('Extra:', fenceText(truncateMiddleUtf8Bytes(sample.extra, detail.extra)));
  });
  const code = input.code?.find((c) => c.fingerprint === group.fingerprint);
  if (code)
    parts.push(
      renderGroupCode(code, group.firstSeen, { frames: detail.frames, sourceBytes: detail.source, changes: detail.changes }, formatUtc),
    );
  const history = input.history?.find((h) => h.fingerprint === group.fingerprint);
  if (history && history.incidents.length > 0) parts.push(renderHistory(history.incidents, detail.history));
  return parts.filter((p) => p !== '').join('\n\n');
}

function renderOtherGroups(groups: TriggeredGroup[]): string {
  if (groups.length === 0) return '';
  const lines = groups
    .slice(0, MAX_LISTED)
    .map(
      (g) =>
        `${g.count} rows, ${levelName(g.levelNo)}, ${g.trigger ?? 'none'}, ${flattenInline(g.fingerprint, 64)}: ${flattenInline(g.template, 90)}`,
    );
  const more = groups.length > MAX_LISTED ? `\n\n… and ${groups.length - MAX_LISTED} more groups (the tools can show them).` : '';
  return `\n\n### Other triggered groups, largest first\n\n${fenceText(lines.join('\n'))}${more}`;
}

export function renderTools(tools: PromptTool[]): string {
  if (tools.length === 0) return 'No tools are available for this run: answer from the groups above, with a low confidence.';
  const lines = tools.slice(0, MAX_TOOLS).map((t) => `- ${quoteCode(t.name, 64)}: ${flattenInline(t.description, 200)}`);
  if (tools.length > MAX_TOOLS) lines.push(`- … and ${tools.length - MAX_TOOLS} more`);
  return lines.join('\n');
}

/** `2026-05-01T12:00:00Z`: UTC, to the second. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
