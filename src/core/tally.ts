import type { Fingerprinter } from './fingerprint.js';
import { exceptionTypeOf } from './fingerprint.js';
import type { IgnoreMatcher } from './ignore.js';
import type { IgnoreRule } from './ignore-schema.js';
import { hourStart } from './triggers.js';
import { cachedContextKey, cachedFrames } from './row-context.js';
import { contextParts, type Fold } from './template-learner.js';
import type { LogRow } from './types.js';

export const MAX_SAMPLES = 3;
const MINUTE = 60_000;
/** A row stamped further ahead than this is counted at the time it was read. */
const FUTURE_SLACK = 5 * MINUTE;

export interface Sample {
  id: number;
  time: number;
  message: string;
  exception: string | null;
  extra: string | null;
}

export interface GroupTally {
  fingerprint: string;
  template: string;
  exceptionType: string | null;
  logger: string | null;
  function: string | null;
  levelNo: number;
  levelName: string;
  count: number;
  firstSeen: number;
  lastSeen: number;
  /** The first rows of this run with distinct messages, cleaned. */
  samples: Sample[];
  /** Rows per clock hour (epoch ms of the hour's start). */
  hours: Map<number, number>;
  /** Set when an ignore rule's `unless` bound was exceeded: these rows escalate instead. */
  escalatedByRule: string | null;
}

export interface RunTally {
  rowsRead: number;
  ignored: number;
  redactions: number;
  lastId: number;
  groups: Map<string, GroupTally>;
  /** Rule id → minute (epoch ms) → rows it matched. */
  ruleHits: Map<string, Map<number, number>>;
  /** Splinter groups folded into their survivors, in order: the state keeps `from` as an alias of `to`. */
  folds: GroupFold[];
}

export interface GroupFold {
  from: string;
  to: string;
  /** The splinter's rows in this run (now counted in `to`), and its template. */
  rows: number;
  template: string;
}

export interface TallyDeps {
  clean(row: LogRow): { row: LogRow; redactions: number };
  /** `key` is the message's stable group identity (fingerprinted); `template` is for display. */
  /** `context` is the row's `contextKey`. */
  templateOf(message: string, context: string): { key: string; template: string };
  /** The learner's folds after the run's rows: splinter keys and the keys they now belong to. */
  decide(): Fold[];
  fingerprinter: Fingerprinter;
  ignore: IgnoreMatcher;
  /** Rows each rule with an `unless` bound matched within its window before this run. */
  priorRuleHits(rule: IgnoreRule): number;
  now: number;
}

/** What grouping makes of a cleaned row. */
export interface RowGrouping {
  exceptionType: string | null;
  /** The row's learner context (`contextKey`). */
  context: string;
  /** The learner's stable key for the message, and its template for display. */
  key: string;
  template: string;
  fingerprint: string;
}

/** Context, template and fingerprint of a cleaned row: the one way the tally and `ignore test` do it. */
export function createRowGrouper(deps: Pick<TallyDeps, 'templateOf' | 'fingerprinter'>): (row: LogRow) => RowGrouping {
  const contextOf = cachedContextKey();
  const framesOf = cachedFrames();
  return (row) => {
    const exceptionType = exceptionTypeOf(row.exception);
    const context = contextOf(exceptionType, row.logger, row.function, framesOf(row.exception));
    const { key, template } = deps.templateOf(row.message, context);
    const fingerprint = deps.fingerprinter.fingerprintOf({
      message: row.message,
      template: key,
      exceptionType,
      logger: row.logger,
      function: row.function,
      line: row.line,
      levelName: row.levelName,
    });
    return { exceptionType, context, key, template, fingerprint };
  };
}

/** Folds rows into per-fingerprint groups: clean, fingerprint, ignore. Pure: state comes in as deps. */
export function createTally(deps: TallyDeps) {
  const tally: RunTally = { rowsRead: 0, ignored: 0, redactions: 0, lastId: 0, groups: new Map(), ruleHits: new Map(), folds: [] };
  // Learner key (with its context) → the fingerprints its rows got, so a fold can move them.
  const origins = new Map<string, Set<string>>();
  const firstOrigin = new Map<string, { context: string; key: string }>();
  const groupRow = createRowGrouper(deps);
  // Rows held by a rule with an `unless` bound: ignored, or escalating once the bound is exceeded.
  const held = new Map<string, { rule: IgnoreRule; groups: Map<string, GroupTally> }>();

  function add(raw: LogRow): void {
    tally.rowsRead++;
    tally.lastId = Math.max(tally.lastId, raw.id);
    const { row, redactions } = deps.clean(raw);
    tally.redactions += redactions;
    const time = row.time !== null && row.time <= deps.now + FUTURE_SLACK ? row.time : deps.now;
    const { exceptionType, context, key, template, fingerprint } = groupRow(row);
    const first = firstOrigin.get(fingerprint);
    if (!first || first.context !== context || first.key !== key) {
      if (!first) firstOrigin.set(fingerprint, { context, key });
      const origin = originOf(context, key);
      const known = origins.get(origin);
      if (known) known.add(fingerprint);
      else origins.set(origin, new Set([fingerprint]));
    }
    const rule = deps.ignore.match({ fingerprint, message: row.message, logger: row.logger, exceptionType, levelName: row.levelName });
    let groups = tally.groups;
    if (rule) {
      const minutes = tally.ruleHits.get(rule.id) ?? new Map<number, number>();
      const minute = Math.floor(time / MINUTE) * MINUTE;
      minutes.set(minute, (minutes.get(minute) ?? 0) + 1);
      tally.ruleHits.set(rule.id, minutes);
      // Only rows inside the rule's `unless` window can push it over its bound; older ones are ignored.
      if (!rule.unless || time < deps.now - rule.unless.per) {
        tally.ignored++;
        return;
      }
      const entry = held.get(rule.id) ?? { rule, groups: new Map() };
      held.set(rule.id, entry);
      groups = entry.groups;
    }
    let group = groups.get(fingerprint);
    if (!group) {
      group = {
        fingerprint,
        template,
        exceptionType,
        logger: row.logger,
        function: row.function,
        levelNo: row.levelNo,
        levelName: row.levelName,
        count: 0,
        firstSeen: time,
        lastSeen: time,
        samples: [],
        hours: new Map(),
        escalatedByRule: null,
      };
      groups.set(fingerprint, group);
    }
    group.count++;
    group.template = template;
    group.firstSeen = Math.min(group.firstSeen, time);
    group.lastSeen = Math.max(group.lastSeen, time);
    if (row.levelNo > group.levelNo) {
      group.levelNo = row.levelNo;
      group.levelName = row.levelName;
    }
    const hour = hourStart(time);
    group.hours.set(hour, (group.hours.get(hour) ?? 0) + 1);
    if (group.samples.length < MAX_SAMPLES && !group.samples.some((s) => s.message === row.message)) {
      group.samples.push({ id: row.id, time, message: row.message, exception: row.exception, extra: row.extra });
    }
  }

  function finish(): RunTally {
    for (const { rule, groups } of held.values()) {
      const matched = [...groups.values()].reduce((sum, g) => sum + g.count, 0);
      if (deps.priorRuleHits(rule) + matched <= rule.unless!.count) {
        tally.ignored += matched;
        continue;
      }
      for (const group of groups.values()) mergeInto(tally.groups, { ...group, escalatedByRule: rule.id });
    }
    held.clear();
    applyFolds(deps.decide());
    return tally;
  }

  /** Moves each splinter's rows of this run into its survivor, and names the stored ones to fold. */
  function applyFolds(folds: readonly Fold[]): void {
    const moved = new Map<string, string>();
    const resolve = (fingerprint: string) => {
      let f = fingerprint;
      for (let next = moved.get(f); next !== undefined; next = moved.get(f)) f = next;
      return f;
    };
    const record = (from: string, to: string, rows: number, template: string) => {
      const [a, b] = [resolve(from), resolve(to)];
      if (a === b) return;
      moved.set(a, b);
      tally.folds.push({ from: a, to: b, rows, template });
    };
    for (const fold of folds) {
      const { exceptionType, logger, function: fn } = contextParts(fold.context);
      const input = { exceptionType, logger, function: fn, line: null, levelName: '' };
      const survivor = deps.fingerprinter.fingerprintOf({ ...input, message: fold.to, template: fold.to });
      const origin = originOf(fold.context, fold.from);
      const splinters = origins.get(origin) ?? new Set<string>();
      origins.delete(origin);
      // A splinter of an earlier run, without rows now, is folded by its default fingerprint.
      if (splinters.size === 0)
        record(deps.fingerprinter.fingerprintOf({ ...input, message: fold.from, template: fold.from }), survivor, 0, fold.from);
      for (const fingerprint of splinters) {
        const group = tally.groups.get(resolve(fingerprint));
        const to = group
          ? deps.fingerprinter.fingerprintOf({
              ...input,
              message: group.samples[0]?.message ?? fold.to,
              template: fold.to,
              levelName: group.levelName,
            })
          : survivor;
        record(fingerprint, to, group?.count ?? 0, group?.template ?? fold.from);
        if (group && resolve(group.fingerprint) !== group.fingerprint) {
          tally.groups.delete(group.fingerprint);
          const target = resolve(group.fingerprint);
          const existing = tally.groups.get(target);
          mergeInto(tally.groups, { ...group, fingerprint: target, template: existing?.template ?? fold.template });
        }
      }
      const survivorGroup = tally.groups.get(resolve(survivor));
      if (survivorGroup) survivorGroup.template = fold.template;
      const targets = origins.get(originOf(fold.context, fold.to)) ?? new Set<string>();
      for (const f of splinters) targets.add(resolve(f));
      origins.set(originOf(fold.context, fold.to), targets);
    }
  }

  return { add, finish };
}

const originOf = (context: string, key: string) => `${context}\u0002${key}`;

function mergeInto(groups: Map<string, GroupTally>, incoming: GroupTally): void {
  const existing = groups.get(incoming.fingerprint);
  if (!existing) {
    groups.set(incoming.fingerprint, incoming);
    return;
  }
  existing.count += incoming.count;
  existing.firstSeen = Math.min(existing.firstSeen, incoming.firstSeen);
  existing.lastSeen = Math.max(existing.lastSeen, incoming.lastSeen);
  existing.escalatedByRule ??= incoming.escalatedByRule;
  if (incoming.levelNo > existing.levelNo) {
    existing.levelNo = incoming.levelNo;
    existing.levelName = incoming.levelName;
  }
  for (const [hour, count] of incoming.hours) existing.hours.set(hour, (existing.hours.get(hour) ?? 0) + count);
  for (const sample of incoming.samples) {
    if (existing.samples.length < MAX_SAMPLES && !existing.samples.some((s) => s.message === sample.message)) existing.samples.push(sample);
  }
}
