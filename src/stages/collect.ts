import { createRowCleaner } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createIgnoreMatcher, type IgnoreMatcher } from '../core/ignore.js';
import type { IgnoreRule } from '../core/ignore-schema.js';
import type { Redactor } from '../core/redact.js';
import { createTally, type GroupTally, type RunTally } from '../core/tally.js';
import type { TemplateLearner } from '../core/template.js';
import { restoreLearner } from './learner.js';
import { decideTrigger, HOUR, hourStart, type Trigger } from '../core/triggers.js';
import type { RunSource } from '../adapters/log-source.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { StateStore } from '../core/state-store.js';
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

  // Restored at the first row (below): a run with nothing new must stay cheap.
  let learner: TemplateLearner | null = null;
  // Built after the learner, whose upgrade may fold groups: a rule naming a splinter names its survivor.
  let ignore: IgnoreMatcher | null = null;
  const getIgnore = () => (ignore ??= createIgnoreMatcher(followFolds(options.rules, state), now));
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
  const cleanRow = createRowCleaner(options.redactor);
  const tally = createTally({
    clean: (row) => {
      host = row.host ?? null;
      if (host !== null) allHosts.add(host);
      return cleanRow(row);
    },
    templateOf: (message, context) => learner!.templateOf(message, context),
    decide: () => learner?.decide() ?? [],
    fingerprinter: { fingerprintOf: (input) => countSource(state.canonicalFingerprint(fingerprinter.fingerprintOf(input))) },
    ignore: { match: (subject) => getIgnore().match(subject) },
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
        if (batch.length > 0) learner ??= await restoreLearner(state, fingerprinter, warnings, now);
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
  const folded = foldedInto(result.folds.filter((fold) => state.group(fold.from) !== null));
  // Rows counted under a group this run folded away belong to its survivor now.
  const survivors = foldedInto(result.folds);
  const spread = <T>(of: Map<string, T>, fingerprint: string) =>
    [fingerprint, ...(survivors.get(fingerprint) ?? [])].flatMap((f) => {
      const value = of.get(f);
      return value === undefined ? [] : [value];
    });
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
    const sourceRows = new Map<string, number>();
    for (const counts of spread(bySource, group.fingerprint))
      for (const [name, n] of counts) sourceRows.set(name, (sourceRows.get(name) ?? 0) + n);
    return {
      ...group,
      folded: folded.get(group.fingerprint) ?? [],
      trigger: decision.trigger,
      triggerReason: decision.reason,
      hourCount,
      lastInvestigatedAt: known?.lastInvestigatedAt ?? null,
      lastInvestigatedRate: known?.lastInvestigatedRate ?? null,
      sources: options.sources.length > 1 ? [...sourceRows] : [],
      hosts: [...new Set(spread(hostsOf, group.fingerprint).flatMap((hosts) => [...hosts]))].sort(),
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
