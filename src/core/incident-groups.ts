import type { SuggestedIgnore } from './answer.js';
import { fenceText, quoteCode } from './fence.js';
import { bySeverity } from './group-order.js';
import { levelName } from './levels.js';
import type { Severity } from './notification.js';
import { formatUtc, type TriggeredGroup } from './prompt.js';
import { compileSafeRegex } from './safe-regex.js';
import { plural } from './plural.js';
import { spreadLines } from './spread.js';
import { truncateMiddleUtf8Bytes } from './text.js';

const TABLE_ROWS = 50;
const GROUPS_WITH_SAMPLES = 10;
const CAPS = { message: 4096, traceback: 8192, extra: 2048 };

/** The error groups: a table of the largest, then the samples of the first few, all log text fenced. */
export function renderGroups(groups: TriggeredGroup[]): string {
  const sorted = [...groups].sort(bySeverity);
  const lines = [
    '| # | trigger | level | rows | first seen | last seen | fingerprint | template |',
    '|---|---|---|---:|---|---|---|---|',
    ...sorted
      .slice(0, TABLE_ROWS)
      .map((g, i) =>
        [
          i + 1,
          g.trigger ?? '',
          levelName(g.levelNo),
          g.count,
          formatUtc(g.firstSeen),
          formatUtc(g.lastSeen),
          quoteCode(g.fingerprint, 64),
          quoteCode(g.template, 100),
        ].join(' | '),
      )
      .map((row) => `| ${row} |`),
  ];
  if (sorted.length > TABLE_ROWS) lines.push('', `… and ${sorted.length - TABLE_ROWS} more groups (\`sentinel status\` lists them).`);
  const parts = [lines.join('\n')];
  sorted.slice(0, GROUPS_WITH_SAMPLES).forEach((g, i) => parts.push(renderSamples(g, i + 1)));
  return parts.join('\n\n');
}

const FOLDS_SHOWN = 5;

function renderSamples(group: TriggeredGroup, index: number): string {
  const reason = group.triggerReason ? `: ${group.triggerReason}` : '';
  const described = [
    `template: ${group.template}`,
    `exception: ${group.exceptionType ?? '-'}`,
    `logger: ${group.logger ?? '-'}`,
    `function: ${group.function ?? '-'}`,
    ...spreadLines(group),
  ].join('\n');
  const folded = group.folded ?? [];
  const parts = [
    `### Group ${index}: ${quoteCode(group.fingerprint, 64)}`,
    `${plural(group.count, 'row')}, trigger ${group.trigger ?? 'none'}${reason}.`,
    ...(folded.length
      ? [
          `${folded.length} splinter group${folded.length === 1 ? '' : 's'} folded into it by this run: ${folded
            .slice(0, FOLDS_SHOWN)
            .map((f) => quoteCode(f, 64))
            .join(', ')}${folded.length > FOLDS_SHOWN ? ', …' : ''}.`,
        ]
      : []),
    fenceText(described),
  ];
  for (const sample of group.samples) {
    parts.push(`Row ${sample.id} at ${formatUtc(sample.time)}:`, fenceText(truncateMiddleUtf8Bytes(sample.message, CAPS.message)));
    if (sample.exception) parts.push('Traceback:', fenceText(truncateMiddleUtf8Bytes(sample.exception, CAPS.traceback)));
    if (sample.extra) parts.push('Extra:', fenceText(truncateMiddleUtf8Bytes(sample.extra, CAPS.extra), 'json'));
  }
  return parts.join('\n\n');
}

/** Ready-to-run commands; every value the model wrote is single-quoted for the shell. */
export function renderIgnoreCommands(suggestions: SuggestedIgnore[]): string {
  const commands = suggestions.map((s) => {
    const flags = (['fingerprint', 'message', 'logger', 'exception'] as const).flatMap((key) => {
      const value = s.match[key];
      return value === undefined ? [] : [`--${key}=${quoteShell(value)}`];
    });
    const compiled = s.match.message === undefined ? null : compileSafeRegex(s.match.message);
    const warning = compiled && !compiled.ok ? `# will be refused: ${compiled.error.replace(/\s+/g, ' ')}\n` : '';
    return `${warning}sentinel ignore add ${flags.join(' ')} --reason=${quoteShell(s.reason.replace(/\s+/g, ' '))}`;
  });
  return fenceText(commands.join('\n\n'), 'sh');
}

/** One ready command per group (the largest first), for the operator who decides it is not worth an
 * alert: the narrowest rule, by fingerprint. Only sentinel's own words go in, each a quoted shell word. */
export function renderGroupIgnoreCommands(groups: TriggeredGroup[]): string {
  const sorted = [...groups].sort((a, b) => b.count - a.count).slice(0, TABLE_ROWS);
  const commands = sorted.map(
    (g, i) =>
      `# ${i + 1}. ${levelName(g.levelNo)}, ${plural(g.count, 'row')}\n` +
      `sentinel ignore add --from-group ${shellWord(g.fingerprint)} --reason ${quoteShell('why this is not worth an alert')}`,
  );
  return fenceText(commands.join('\n'), 'sh');
}

const shellWord = (value: string) => (/^[A-Za-z0-9._-]+$/.test(value) ? value : quoteShell(value));

/** POSIX single quotes: nothing inside is special, and a `'` becomes `'\''`. */
export function quoteShell(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Severity without a diagnosis, from the groups alone. Never `critical`: paging people at the top
 * priority needs a judgement, not a row count.
 *   high   — a CRITICAL row, a new or regressed ERROR group (the app falling silent is one), or a
 *            triggered ERROR group with more than 100 rows;
 *   medium — any other ERROR group;
 *   low    — warnings only.
 */
export function deriveFallbackSeverity(groups: TriggeredGroup[]): { severity: Severity; because: string } {
  const sorted = [...groups].sort(bySeverity);
  const critical = sorted.find((g) => g.levelNo >= 50);
  if (critical) return { severity: 'high', because: `${quoteCode(critical.fingerprint, 64)} has CRITICAL rows` };
  const fresh = sorted.find((g) => g.levelNo >= 40 && (g.trigger === 'new' || g.trigger === 'regressed'));
  if (fresh) return { severity: 'high', because: `ERROR group ${quoteCode(fresh.fingerprint, 64)} is ${fresh.trigger}` };
  const large = sorted.find((g) => g.levelNo >= 40 && g.trigger !== null && g.count > 100);
  if (large)
    return {
      severity: 'high',
      because: `${large.trigger} ERROR group ${quoteCode(large.fingerprint, 64)} has ${large.count} rows (over 100)`,
    };
  if (sorted.some((g) => g.levelNo >= 40))
    return { severity: 'medium', because: 'ERROR groups, none CRITICAL, new or regressed, no triggered ERROR group over 100 rows' };
  return { severity: 'low', because: 'warnings only' };
}
