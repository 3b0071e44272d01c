import { cleanRow } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createIgnoreMatcher, type IgnoreRule } from '../core/ignore.js';
import type { Redactor } from '../core/redact.js';
import { createTally, type GroupTally, type RunTally } from '../core/tally.js';
import type { TemplateLearner } from '../core/template.js';
import { restoreLearner } from './learner.js';
import { decideTrigger, HOUR, hourStart, type Trigger } from '../core/triggers.js';
import type { RunSource } from '../adapters/log-source.js';
import { ExitCode, SentinelError } from '../core/errors.js';
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
  /** Rows per source, when there are several. */
  sources: [name: string, rows: number][];
  /** The hosts whose rows are in it, when the rows name one. */
  hosts: string[];
}

/** One source's part of the run: from its stored checkpoint to where its reading stopped. */
export interface SourceRead {
  name: string;
  label: string;
  /** Null when the source could not be read at all: its stored checkpoint stays. */
  from: Checkpoint | null;
  to: Checkpoint | null;
  rows: number;
  /** Why it could not be read (the rows read before it failed are counted, the checkpoint says so). */
  error: string | null;
}

export interface Collected {
  tally: RunTally;
  groups: CollectedGroup[];
  sources: SourceRead[];
  /** The hosts whose rows this run read: what "on 2 of 3 hosts" counts against. */
  hostCount: number;
  /** Null when no row was read: the stored one stays. */
  learnerSnapshot: string | null;
  warnings: { kind: string; message: string }[];
}

export interface CollectOptions {
  config: Config;
  rules: IgnoreRule[];
  redactor: Redactor;
  sources: RunSource[];
  state: StateStore;
  now: number;
  /** Laptop replays: start at the first row of this window instead of the checkpoint. */
  since?: number;
  /** This source starts afresh from now: its checkpoint cannot belong to it (a restored database). */
  rebaseline?: string;
}

/** [read] → [clean] → [group] → [decide]: everything up to the commit, which the caller does. */
export async function collect(options: CollectOptions): Promise<Collected> {
  const { config, state, now } = options;
  const warnings: Collected['warnings'] = [];

  // Restored on the first row only: a run with nothing new must stay cheap.
  let learner: TemplateLearner | null = null;
  const getLearner = () => (learner ??= restoreLearner(state, fingerprinter, warnings));
  const fingerprinter = createFingerprinter(config.fingerprint.rules);
  // Rows per group and source, and the hosts of each group: the row being fingerprinted is the one
  // the tally cleaned last, from the source being read.
  let reading = '';
  let host: string | null = null;
  const bySource = new Map<string, Map<string, number>>();
  const hostsOf = new Map<string, Set<string>>();
  const allHosts = new Set<string>();
  const countSource = (fingerprint: string) => {
    const counts = bySource.get(fingerprint) ?? bySource.set(fingerprint, new Map()).get(fingerprint)!;
    counts.set(reading, (counts.get(reading) ?? 0) + 1);
    if (host !== null) (hostsOf.get(fingerprint) ?? hostsOf.set(fingerprint, new Set()).get(fingerprint)!).add(host);
    return fingerprint;
  };
  const tally = createTally({
    clean: (row) => {
      host = row.host ?? null;
      if (host !== null) allHosts.add(host);
      return cleanRow(row, options.redactor);
    },
    templateOf: (message) => getLearner().templateOf(message),
    fingerprinter: { fingerprintOf: (input) => countSource(state.canonicalFingerprint(fingerprinter.fingerprintOf(input))) },
    ignore: createIgnoreMatcher(options.rules, now),
    priorRuleHits: (rule) => state.ruleHitsSince(rule.id, now - rule.unless!.per),
    now,
  });
  const reads: SourceRead[] = [];
  for (const source of options.sources) {
    reading = source.name;
    const read: SourceRead = { name: source.name, label: source.label, from: null, to: null, rows: 0, error: null };
    reads.push(read);
    const named = (message: string) => (options.sources.length > 1 ? `source ${source.name}: ${message}` : message);
    try {
      const fresh = source.name === options.rebaseline;
      const stored = options.since === undefined && !fresh ? state.checkpoint(source.name) : null;
      const lookback = config.sources.find((s) => s.name === source.name)?.first_run_lookback ?? config.source.first_run_lookback;
      const start = await source.start(stored, fresh ? now : (options.since ?? now - lookback));
      warnings.push(...start.warnings.map((w) => ({ ...w, message: named(w.message) })));
      read.from = start.from;
      for await (const batch of source.read(start.from)) {
        for (const row of batch) tally.add(row);
        read.rows += batch.length;
      }
      read.to = source.position();
    } catch (error) {
      // A source that cannot be read fails alone; what it yielded before is counted up to its position.
      if (!(error instanceof SentinelError) || error.code !== ExitCode.source) throw error;
      read.error = error.message;
      if (read.from) read.to = source.position();
    }
  }
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
      sources: options.sources.length > 1 ? [...(bySource.get(group.fingerprint) ?? [])] : [],
      hosts: [...(hostsOf.get(group.fingerprint) ?? [])].sort(),
    };
  });
  groups.sort((a, b) => b.count - a.count);

  return {
    tally: result,
    groups,
    sources: reads,
    hostCount: allHosts.size,
    learnerSnapshot: learner === null ? null : JSON.stringify((learner as TemplateLearner).snapshot()),
    warnings,
  };
}
