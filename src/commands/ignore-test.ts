import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { loadIgnoreRules } from '../adapters/ignore-file.js';
import { openLogSource } from '../adapters/log-source.js';
import { openStateStore } from '../adapters/state-store.js';
import type { StateStore } from '../core/state-store.js';
import { formatDuration } from '../core/duration.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { flattenInline } from '../core/fence.js';
import { createIgnoreMatcher, type IgnoreSubject } from '../core/ignore.js';
import type { IgnoreRule } from '../core/ignore-schema.js';
import { levelName, levelNumber } from '../core/levels.js';
import { createRedactor } from '../core/redact.js';
import type { LogRow } from '../core/types.js';
import { createRowDescriber, type RowDescriber } from '../stages/row-subject.js';
import type { CommandContext } from '../core/types.js';
import { requireGroup } from './group-lookup.js';

/** `ignore test` exit codes, like grep's: a rule matched, or the row would be reported. */
const IgnoreTestExit = { ignored: 0, reported: 1 } as const;

export interface IgnoreTestOptions {
  config?: string;
  message?: string;
  logger?: string;
  exception?: string;
  /** Unset: every level a run reads (a rule with a level matches some of them). */
  level?: string;
  function?: string;
  row?: string;
  fingerprint?: string;
}

interface Outcome {
  level: string;
  fingerprint: string;
  template: string;
  rule: IgnoreRule | null;
}

/** Which rule matches a message, a logged row or a group, with the fingerprint `sentinel run` gives it. */
export async function ignoreTestCommand(options: IgnoreTestOptions, ctx: CommandContext): Promise<number> {
  const given = [options.message !== undefined, options.row !== undefined, options.fingerprint !== undefined].filter(Boolean).length;
  if (given !== 1) throw new SentinelError('ignore test: give one of a message, --row ID or --fingerprint FP', ExitCode.usage);
  const described = (['logger', 'function', 'exception', 'level'] as const).filter((key) => options[key] !== undefined);
  if (options.message === undefined && described.length > 0) {
    throw new SentinelError(`ignore test: --${described.join(', --')} describe a message; a row or a group brings its own`, ExitCode.usage);
  }
  const { config, paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const matcher = createIgnoreMatcher(loadIgnoreRules(paths.ignoreFile), ctx.clock.now());
  const state = openStateStore(paths.stateDir, { readonly: true });
  let outcomes: Outcome[];
  try {
    // The stored learner is restored only for a row or a message: a group brings its own template.
    let describer: RowDescriber | undefined;
    const judge = async (row: LogRow): Promise<Outcome> => {
      describer ??= await createRowDescriber({ config, state, redactor: createRedactor(config.redact.patterns), now: ctx.clock.now() });
      const { subject, template } = describer.describe(row);
      return { level: row.levelName, fingerprint: subject.fingerprint, template, rule: matcher.match(subject) };
    };
    if (options.fingerprint !== undefined) {
      const subject = groupSubject(state, options.fingerprint);
      outcomes = [{ level: subject.levelName, fingerprint: subject.fingerprint, template: subject.template, rule: matcher.match(subject) }];
    } else if (options.row !== undefined) {
      if (paths.database === null)
        throw new SentinelError('--row reads a row of a SQLite source; give the message instead', ExitCode.usage);
      outcomes = [await judge(readRow(options.row, paths.database, config.source))];
    } else {
      outcomes = [];
      for (const level of levelsToTest(options.level, config.source.min_level))
        outcomes.push(await judge(typedRow(options, level, ctx.clock.now())));
    }
  } finally {
    state.close();
  }
  for (const line of renderOutcomes(outcomes)) ctx.stdout(line);
  return outcomes.every((o) => o.rule) ? IgnoreTestExit.ignored : IgnoreTestExit.reported;
}

function levelsToTest(level: string | undefined, minLevel: number): number[] {
  if (level === undefined) {
    const read = [30, 40, 50].filter((n) => n >= minLevel);
    return read.length > 0 ? read : [minLevel];
  }
  const n = levelNumber(level);
  if (n === undefined)
    throw new SentinelError(
      `--level: unknown level ${JSON.stringify(level)}; use a loguru level name such as WARNING or ERROR`,
      ExitCode.usage,
    );
  return [n];
}

function typedRow(options: IgnoreTestOptions, levelNo: number, now: number): LogRow {
  return {
    id: 0,
    time: now,
    levelNo,
    levelName: levelName(levelNo),
    message: options.message ?? '',
    logger: options.logger ?? null,
    function: options.function ?? null,
    line: null,
    // The last traceback line is where a run reads the exception type from.
    exception: options.exception ?? null,
    extra: null,
  };
}

function readRow(text: string, database: string, source: Parameters<typeof openLogSource>[1]): LogRow {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new SentinelError(`--row: expected a row id such as 70791, got ${JSON.stringify(text)}`, ExitCode.usage);
  const logs = openLogSource(database, source);
  try {
    for (const batch of logs.readSince(id - 1, 1)) if (batch[0]?.id === id) return batch[0];
  } finally {
    logs.close();
  }
  throw new SentinelError(`--row: no row ${id} at or above the configured min_level in ${database}`, ExitCode.usage);
}

function groupSubject(state: StateStore, text: string): IgnoreSubject & { template: string } {
  const group = state.group(requireGroup(state, text, '--fingerprint'))!;
  return {
    fingerprint: group.fingerprint,
    message: group.samples[0]?.message ?? group.template,
    logger: group.logger,
    exceptionType: group.exceptionType,
    levelName: group.levelName,
    template: group.template,
  };
}

/** The fingerprint and template, then the verdict; with no --level, one line per distinct verdict
 * (a rule on WARNING answers differently for ERROR), and likewise per fingerprint if a split rule splits by level. */
function renderOutcomes(outcomes: Outcome[]): string[] {
  const lines: string[] = [];
  for (const fingerprint of new Set(outcomes.map((o) => o.fingerprint))) {
    const same = outcomes.filter((o) => o.fingerprint === fingerprint);
    const levels = same.length < outcomes.length ? ` (${same.map((o) => o.level).join(', ')})` : '';
    lines.push(`fingerprint ${fingerprint}${levels}`, `template    ${flattenInline(same[0]!.template, 300)}`);
    const verdicts = new Map<string, string[]>();
    for (const o of same) verdicts.set(verdictOf(o.rule), [...(verdicts.get(verdictOf(o.rule)) ?? []), o.level]);
    for (const [verdict, at] of verdicts) lines.push(verdicts.size > 1 ? `${at.join(', ')}: ${verdict}` : verdict);
  }
  return lines;
}

function verdictOf(rule: IgnoreRule | null): string {
  if (!rule) return 'no rule matches: it would be reported';
  const unless = rule.unless ? ` (unless more than ${rule.unless.count} per ${formatDuration(rule.unless.per)})` : '';
  return `ignored by ${rule.id}: ${flattenInline(rule.reason, 300)}${unless}`;
}
