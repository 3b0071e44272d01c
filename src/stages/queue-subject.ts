import type { Config } from '../core/config.js';
import { bySeverity } from '../core/group-order.js';
import type { HeldBack } from '../core/held-back.js';
import { isCoolingDown } from '../core/investigation-policy.js';
import type { TriggeredGroup } from '../core/prompt.js';
import type { CollectedGroup } from './collect.js';
import type { InvestigationSubject } from '../core/investigation.js';

/** Groups stored with their samples; a storm's long tail is stored without them (the prompt lists it). */
const GROUPS_WITH_SAMPLES = 60;
const GROUPS_STORED = 2000;

/** The triggered groups worth an investigation now (not cooling down), as one queued subject: a storm
 * of any size is one investigation. Null when nothing needs one. */
export function investigationSubject(groups: CollectedGroup[], config: Config, now: number, hostCount = 0): InvestigationSubject | null {
  const due = groups
    .filter((g) => g.trigger !== null && !coolingDown(g, config, now))
    .sort(bySeverity)
    .slice(0, GROUPS_STORED);
  if (due.length === 0) return null;
  return {
    window: { from: Math.min(...due.map((g) => g.firstSeen)), to: Math.max(...due.map((g) => g.lastSeen)) },
    groups: due.map(
      (g, i): TriggeredGroup => ({
        fingerprint: g.fingerprint,
        template: g.template,
        exceptionType: g.exceptionType,
        logger: g.logger,
        function: g.function,
        levelNo: g.levelNo,
        count: g.count,
        firstSeen: g.firstSeen,
        lastSeen: g.lastSeen,
        samples: i < GROUPS_WITH_SAMPLES ? g.samples : [],
        trigger: g.trigger,
        triggerReason: g.triggerReason,
        ...(g.folded.length ? { folded: g.folded } : {}),
        ...(g.hosts.length ? { hosts: { seen: g.hosts, of: Math.max(hostCount, g.hosts.length) } } : {}),
        ...(g.sources.length ? { sources: g.sources } : {}),
      }),
    ),
    rates: Object.fromEntries(due.map((g) => [g.fingerprint, g.hourCount])),
  };
}

/** The triggered groups the cooldown keeps from a new investigation: `run` and `status` say so. */
export function heldBackGroups(groups: CollectedGroup[], config: Config, now: number): HeldBack[] {
  return groups
    .filter((g) => g.trigger !== null && coolingDown(g, config, now))
    .sort(bySeverity)
    .map((g) => ({
      fingerprint: g.fingerprint,
      trigger: g.trigger!,
      reason: 'cooldown',
      until: g.lastInvestigatedAt! + config.investigate.cooldown,
    }));
}

const coolingDown = (g: CollectedGroup, config: Config, now: number) =>
  isCoolingDown({
    lastInvestigatedAt: g.lastInvestigatedAt,
    lastInvestigatedRate: g.lastInvestigatedRate,
    rate: g.hourCount,
    cooldownMs: config.investigate.cooldown,
    now,
  });
