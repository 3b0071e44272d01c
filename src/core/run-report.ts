import { bySeverity } from './group-order.js';
import { describeHeldBack, type HeldBack } from './held-back.js';
import type { Trigger } from './triggers.js';
import { plural } from './plural.js';
import { cleanLine, truncateChars } from './text.js';

export interface RunReport {
  rowsRead: number;
  ignored: number;
  redactions: number;
  checkpointFrom: number;
  checkpointTo: number;
  groups: { fingerprint: string; count: number; levelNo: number; levelName: string; template: string; trigger: Trigger | null }[];
  /** Triggered groups kept from an alert this run (cooldown). */
  heldBack: HeldBack[];
  incident: string | null;
  notified: number;
  /** How the triggered groups were handled: Claude, the fallback report, still queued, or none. */
  investigation: 'claude' | 'fallback' | 'pending' | 'queued' | 'none';
  costUsd: number;
  dryRun: boolean;
}

const MAX_LISTED = 20;

/** The few lines a person reads after `sentinel run`: totals, then the groups, triggered first. */
export function renderRunSummary(report: RunReport): string {
  const lines: string[] = [];
  const triggered = report.groups.filter((g) => g.trigger);
  lines.push(
    `${report.dryRun ? 'dry run: ' : ''}${plural(report.rowsRead, 'row')} read, ${report.ignored} ignored, ${plural(report.groups.length, 'group')}, ${triggered.length} triggered` +
      (report.checkpointTo > report.checkpointFrom
        ? ` (rows ${report.checkpointFrom + 1}…${report.checkpointTo}`
        : ` (nothing new after row ${report.checkpointTo}`) +
      `${report.redactions ? `, ${plural(report.redactions, 'secret')} redacted` : ''})`,
  );
  const ordered = [...[...triggered].sort(bySeverity), ...report.groups.filter((g) => !g.trigger).sort(bySeverity)];
  for (const group of ordered.slice(0, MAX_LISTED)) {
    const trigger = (group.trigger ?? '').padEnd(10);
    lines.push(
      `  ${trigger} ${group.levelName.padEnd(8)} ${String(group.count).padStart(7)}  ${group.fingerprint}  ${oneLine(group.template)}`,
    );
  }
  if (ordered.length > MAX_LISTED) lines.push(`  … and ${ordered.length - MAX_LISTED} more groups (sentinel status lists them)`);
  const held = describeHeldBack(report.heldBack);
  if (held) lines.push(held);
  if (report.incident) lines.push(`incident: ${report.incident}`);
  if (report.investigation === 'claude') lines.push(`investigated by Claude for $${report.costUsd.toFixed(2)}`);
  if (report.investigation === 'fallback') lines.push('no Claude diagnosis: the incident has the deterministic report');
  if (report.investigation === 'pending')
    lines.push('no Claude diagnosis yet: the deterministic report went out; the diagnosis updates it in place on a later run');
  if (report.investigation === 'queued') lines.push('investigation queued: retried on a later run (sentinel status shows the queue)');
  if (report.notified) lines.push(`notified: ${report.notified}`);
  if (report.dryRun) lines.push('dry run: nothing was written, nothing was sent');
  return lines.join('\n');
}

const oneLine = (text: string) => truncateChars(cleanLine(text), 100);
