import type { StateStore } from '../core/state-store.js';
import type { Answer } from '../core/answer.js';
import { autofixIneligibility } from '../core/autofix-policy.js';
import type { Config } from '../core/config.js';
import type { TriggeredGroup } from '../core/prompt.js';

/**
 * After an incident with Claude's diagnosis is written: queue a fix attempt for `sentinel autofix`,
 * or record why not (so `sentinel autofix FINGERPRINT` can say it). Only a queue insert: alerting
 * never waits for a fix. The fix is about the incident's largest group.
 */
export function enqueueAutofix(
  deps: { config: Config; state: StateStore; now: number },
  incidentPath: string,
  groups: TriggeredGroup[],
  answer: Answer,
): void {
  if (!deps.config.autofix.enabled) return;
  const group = [...groups].filter((g) => g.count > 0).sort((a, b) => b.count - a.count)[0];
  if (!group) return;
  const jobs = deps.state.autofix;
  const fingerprint = deps.state.canonicalFingerprint(group.fingerprint);
  const record = deps.state.group(fingerprint);
  const reason = autofixIneligibility({
    config: deps.config.autofix,
    answer,
    group: record && { status: record.status, lastSeen: record.lastSeen },
    earlierJobs: jobs.attemptsFor(fingerprint),
    force: false,
    now: deps.now,
  });
  const file = incidentPath.slice(incidentPath.lastIndexOf('/') + 1);
  jobs.add({
    fingerprint,
    incidentPath: file,
    data: { answer, group, force: false },
    now: deps.now,
    ...(reason ? { stopReason: `ineligible: ${reason}` } : {}),
  });
}
