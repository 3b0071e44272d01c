import { plural } from './plural.js';
import { flattenInline, renderPushedAnswer } from './fence.js';
import { bySeverity } from './group-order.js';
import type { Diagnosis } from './investigation.js';
import { describeNoDiagnosis } from './no-diagnosis.js';
import { levelName } from './levels.js';
import type { Severity } from './notification.js';
import type { TriggeredGroup } from './prompt.js';
import { SILENCE_FINGERPRINT } from './silence.js';
import { summariseTraceback } from './traceback.js';

const LISTED_GROUPS = 3;
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * The priority a push gets (ntfy 5 … 2, the Discord colour), from the report's severity:
 *   critical (5) — Claude judged it critical;
 *   high (4)     — a CRITICAL row, a new or regressed ERROR group, the app stopped logging, a limit breach;
 *   medium (3)   — other ERROR groups (escalating), baseline flags;
 *   low (2)      — warnings only: a warning digest never outranks an ERROR, whatever the model says.
 */
export function pushSeverity(severity: Severity, groups: TriggeredGroup[]): Severity {
  if (groups.length > 0 && groups.every((g) => g.levelNo < 40)) return 'low';
  const newError = groups.some((g) => g.levelNo >= 40 && (g.trigger === 'new' || g.trigger === 'regressed'));
  return newError && SEVERITY_RANK[severity] < SEVERITY_RANK.medium ? 'medium' : severity;
}

/** ntfy turns tags that are emoji short codes into icons before the title: what, then how sure. */
export function pushTags(opts: {
  severity: Severity;
  groups: TriggeredGroup[];
  health: boolean;
  diagnosis: Diagnosis;
  followUp: boolean;
}): string[] {
  const tags = [SEVERITY_EMOJI[opts.severity]];
  if (opts.health) tags.push('chart_with_upwards_trend');
  if (opts.groups.some((g) => g.fingerprint === SILENCE_FINGERPRINT)) tags.push('mute');
  for (const trigger of new Set(opts.groups.map((g) => g.trigger))) if (trigger) tags.push(TRIGGER_EMOJI[trigger]);
  if (opts.followUp) tags.push('memo');
  else if (opts.diagnosis.kind === 'fallback' && opts.diagnosis.why.kind === 'pending') tags.push('hourglass_flowing_sand');
  return [...new Set(tags)];
}

const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: 'rotating_light',
  high: 'warning',
  medium: 'large_orange_diamond',
  low: 'information_source',
};
const TRIGGER_EMOJI = { new: 'new', regressed: 'repeat', escalating: 'chart_with_upwards_trend' } as const;

/** Summary, the first actions, the groups that matter most with their exception and frame: what
 * fits on a lock screen. Without a diagnosis it says why, in the words a person can act on. */
export function describeErrorPush(diagnosis: Diagnosis, groups: TriggeredGroup[]): string {
  const rows = groups.reduce((sum, g) => sum + g.count, 0);
  const counts = `${plural(rows, 'row')} in ${plural(groups.length, 'group')}`;
  const top = [...groups].sort(bySeverity).slice(0, LISTED_GROUPS).flatMap(describeGroup);
  if (diagnosis.kind === 'claude') {
    return [...renderPushedAnswer(diagnosis.answer.summary, diagnosis.answer.actions), '', `${counts}:`, ...top].join('\n');
  }
  return [`No diagnosis: ${describeNoDiagnosis(diagnosis.why)}.`, '', `${counts}:`, ...top].join('\n');
}

function describeGroup(g: TriggeredGroup): string[] {
  const code = (text: string, max: number) => `\`${flattenInline(text, max).replaceAll('`', "'")}\``;
  if (g.fingerprint === SILENCE_FINGERPRINT) return [`- ${flattenInline(g.template, 200)}`];
  const lines = [`- ${g.count}× ${levelName(g.levelNo)} ${g.trigger ?? ''} ${code(g.template, 160)}`.replace(/ {2,}/g, ' ')];
  const sample = g.samples.find((s) => s.exception) ?? null;
  const { exception, frame } = summariseTraceback(sample?.exception ?? null);
  if (exception || frame)
    lines.push(`  ${[exception && code(exception, 160), frame && `at ${code(frame, 120)}`].filter(Boolean).join(' ')}`);
  return lines;
}
