import { cleanRow } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createIgnoreMatcher, type IgnoreRule } from '../core/ignore.js';
import type { Redactor } from '../core/redact.js';
import { createTally, type GroupTally, type RunTally } from '../core/tally.js';
import type { TemplateLearner } from '../core/template.js';
import { restoreLearner } from './learner.js';
import { decideTrigger, HOUR, hourStart, type Trigger } from '../core/triggers.js';
import type { LogSource } from '../adapters/log-source.js';
import type { StateStore } from '../adapters/state-store.js';
import type { Checkpoint } from '../core/records.js';

export interface CollectedGroup extends GroupTally {
  trigger: Trigger | null;
  triggerReason: string;
  /** Rows in the current clock hour, this run's included: the rate cooldowns compare. */
  hourCount: number;
  /** When this group was last investigated, and its hourly rate then (for the cooldown). */
  lastInvestigatedAt: number | null;
  lastInvestigatedRate: number | null;
}

export interface Collected {
  tally: RunTally;
  groups: CollectedGroup[];
  checkpointFrom: number;
  checkpoint: Checkpoint;
  /** Null when no row was read: the stored one stays. */
  learnerSnapshot: string | null;
  warnings: { kind: string; message: string }[];
}

export interface CollectOptions {
  config: Config;
  rules: IgnoreRule[];
  redactor: Redactor;
  source: LogSource;
  state: StateStore;
  now: number;
  /** Laptop replays: start at the first row of this window instead of the checkpoint. */
  since?: number;
}

/** [read] → [clean] → [group] → [decide]: everything up to the commit, which the caller does. */
export function collect(options: CollectOptions): Collected {
  const { config, source, state, now } = options;
  const warnings: Collected['warnings'] = [];
  const checkpointFrom = startingPoint(options, warnings);

  // Restored on the first row only: a run with nothing new must stay cheap.
  let learner: TemplateLearner | null = null;
  const getLearner = () => (learner ??= restoreLearner(state, fingerprinter, warnings));
  const fingerprinter = createFingerprinter(config.fingerprint.rules);
  const tally = createTally({
    clean: (row) => cleanRow(row, options.redactor),
    templateOf: (message) => getLearner().templateOf(message),
    fingerprinter: { fingerprintOf: (input) => state.canonicalFingerprint(fingerprinter.fingerprintOf(input)) },
    ignore: createIgnoreMatcher(options.rules, now),
    priorRuleHits: (rule) => state.ruleHitsSince(rule.id, now - rule.unless!.per),
    now,
  });
  for (const batch of source.readSince(checkpointFrom)) for (const row of batch) tally.add(row);
  const result = tally.finish();

  const thisHour = hourStart(now);
  const groups = [...result.groups.values()].map((group): CollectedGroup => {
    const known = state.group(group.fingerprint);
    const hourCount = state.countBetween(group.fingerprint, thisHour, thisHour + HOUR) + (group.hours.get(thisHour) ?? 0);
    const decision = decideTrigger({
      known,
      escalatedByRule: group.escalatedByRule,
      currentHourCount: hourCount,
      previousWeekCount: state.countBetween(group.fingerprint, thisHour - 7 * 24 * HOUR, thisHour),
      now,
    });
    return {
      ...group,
      trigger: decision.trigger,
      triggerReason: decision.reason,
      hourCount,
      lastInvestigatedAt: known?.lastInvestigatedAt ?? null,
      lastInvestigatedRate: known?.lastInvestigatedRate ?? null,
    };
  });
  groups.sort((a, b) => b.count - a.count);

  const lastId = Math.max(checkpointFrom, result.lastId);
  return {
    tally: result,
    groups,
    checkpointFrom,
    checkpoint: { id: lastId, identity: source.rowIdentity(lastId) },
    learnerSnapshot: learner === null ? null : JSON.stringify((learner as TemplateLearner).snapshot()),
    warnings,
  };
}

/** Where this run starts reading: the checkpoint, unless the database was replaced or truncated
 * under it (then from the start, with a warning), or on the very first run (the lookback window). */
function startingPoint(options: CollectOptions, warnings: Collected['warnings']): number {
  const { source, state, now, config } = options;
  if (options.since !== undefined) return source.firstIdSince(options.since);
  const checkpoint = state.checkpoint();
  if (!checkpoint) return source.firstIdSince(now - config.source.first_run_lookback);
  const maxId = source.maxId();
  if (checkpoint.id > maxId) {
    warnings.push({
      kind: 'source-reset',
      message: `the log table's newest id (${maxId}) is below the checkpoint (${checkpoint.id}): the database was replaced or truncated; reading it from the start`,
    });
    return 0;
  }
  if (checkpoint.id > 0 && checkpoint.identity) {
    const identity = source.rowIdentity(checkpoint.id);
    if (identity !== null && identity !== checkpoint.identity) {
      warnings.push({
        kind: 'source-reset',
        message: `row ${checkpoint.id} is not the row read last time: the database was replaced; reading it from the start`,
      });
      return 0;
    }
  }
  return checkpoint.id;
}
