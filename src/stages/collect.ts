import { cleanRow } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createIgnoreMatcher, type IgnoreMatcher, type IgnoreRule } from '../core/ignore.js';
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
  /** Stored splinter groups folded into this one by this run. */
  folded: string[];
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
  const getLearner = () => (learner ??= restoreLearner(state, fingerprinter, warnings, now));
  // Built after the learner, whose upgrade may fold groups: a rule naming a splinter names its survivor.
  let ignore: IgnoreMatcher | null = null;
  const getIgnore = () => (ignore ??= createIgnoreMatcher(followFolds(options.rules, state), now));
  const fingerprinter = createFingerprinter(config.fingerprint.rules);
  const tally = createTally({
    clean: (row) => cleanRow(row, options.redactor),
    templateOf: (message, context) => getLearner().templateOf(message, context),
    decide: () => learner?.decide() ?? [],
    fingerprinter: { fingerprintOf: (input) => state.canonicalFingerprint(fingerprinter.fingerprintOf(input)) },
    ignore: { match: (subject) => getIgnore().match(subject) },
    priorRuleHits: (rule) => state.ruleHitsSince(rule.id, now - rule.unless!.per),
    now,
  });
  for (const batch of source.readSince(checkpointFrom)) for (const row of batch) tally.add(row);
  const result = tally.finish();

  const thisHour = hourStart(now);
  const folded = foldedInto(result.folds.filter((fold) => state.group(fold.from) !== null));
  const groups = [...result.groups.values()].map((group): CollectedGroup => {
    // Until the commit moves them, a stored splinter's counts are still under its own fingerprint.
    const history = [group.fingerprint, ...(folded.get(group.fingerprint) ?? [])];
    const stored = (from: number, to: number) => history.reduce((sum, f) => sum + state.countBetween(f, from, to), 0);
    const known = history.map((f) => state.group(f)).find((g) => g !== null) ?? null;
    const hourCount = stored(thisHour, thisHour + HOUR) + (group.hours.get(thisHour) ?? 0);
    const decision = decideTrigger({
      known,
      escalatedByRule: group.escalatedByRule,
      currentHourCount: hourCount,
      previousWeekCount: stored(thisHour - 7 * 24 * HOUR, thisHour),
      now,
    });
    return {
      ...group,
      folded: folded.get(group.fingerprint) ?? [],
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

/** Survivor → the splinters folded into it, following chains (a → b, b → c: both under c). */
function foldedInto(folds: RunTally['folds']): Map<string, string[]> {
  const next = new Map(folds.map((f) => [f.from, f.to]));
  const out = new Map<string, string[]>();
  for (const { from } of folds) {
    let to = next.get(from)!;
    for (let n = next.get(to); n !== undefined; n = next.get(to)) to = n;
    out.set(to, [...(out.get(to) ?? []), from]);
  }
  return out;
}

/** Rules by fingerprint follow folds: one naming a splinter now names the group it was folded into. */
function followFolds(rules: IgnoreRule[], state: StateStore): IgnoreRule[] {
  return rules.map((rule) => {
    const fingerprint = rule.match.fingerprint;
    if (fingerprint === undefined) return rule;
    const canonical = state.canonicalFingerprint(fingerprint);
    return canonical === fingerprint ? rule : { ...rule, match: { ...rule.match, fingerprint: canonical } };
  });
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
