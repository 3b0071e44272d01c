import { findConfigFile, type LoadedConfig } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { appendIgnoreRule, loadIgnoreRules, readIgnoreDocument, removeIgnoreRule } from '../adapters/ignore-file.js';
import { openStateStore } from '../adapters/state-store.js';
import type { StateStore } from '../core/state-store.js';
import { parseDuration } from '../core/duration.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { isExpired } from '../core/ignore.js';
import { levelName, levelNumber } from '../core/levels.js';
import type { CommandContext } from '../core/types.js';
import { operatorName } from './operator-name.js';
import { describeMiss, lookUpGroup, requireGroup } from './group-lookup.js';

const load = (config: string | undefined, ctx: CommandContext): LoadedConfig =>
  loadConfig(findConfigFile(config, ctx.env, ctx.cwd), ctx.env);

export interface IgnoreAddOptions {
  config?: string;
  fromGroup?: string;
  fingerprint?: string;
  message?: string;
  logger?: string;
  exception?: string;
  level?: string;
  reason: string;
  for?: string;
  until?: string;
  unless?: string;
  author?: string;
}

const MATCH_KEYS = ['fingerprint', 'message', 'logger', 'exception', 'level'] as const;
const DAY = 86_400_000;

export async function ignoreAddCommand(options: IgnoreAddOptions, ctx: CommandContext): Promise<number> {
  const { config, paths } = load(options.config, ctx);
  if (options.for && options.until) throw new SentinelError('ignore add: give --for or --until, not both', ExitCode.usage);
  const now = ctx.clock.now();
  const state = openStateStore(paths.stateDir, { readonly: true });
  let rule: Record<string, unknown>;
  try {
    const match =
      options.fromGroup !== undefined
        ? groupMatch(options, state)
        : optionsMatch(
            options,
            state,
            config.fingerprint.rules.flatMap((r) => r.name ?? []),
          );
    rule = {
      id: nextRuleId(readIgnoreDocument(paths.ignoreFile).toString(), state.ruleIdsSeen()),
      match,
      reason: options.reason,
      added: { date: new Date(now).toISOString().slice(0, 10), author: options.author || operatorName(ctx.env) },
    };
  } finally {
    state.close();
  }
  if (options.for) {
    const ms = parseDuration(options.for);
    if (!ms) throw new SentinelError(`--for: expected a duration such as 7d, got ${JSON.stringify(options.for)}`, ExitCode.usage);
    rule.until = expiryOf(now + ms, ms);
  }
  if (options.until) {
    if (!Number.isFinite(Date.parse(options.until)))
      throw new SentinelError(`--until: expected a date such as 2026-12-31, got ${JSON.stringify(options.until)}`, ExitCode.usage);
    rule.until = options.until;
  }
  if (options.unless) {
    const rate = /^(\d+)\/(\d+(?:ms|s|m|h|d|w))$/.exec(options.unless);
    if (!rate)
      throw new SentinelError(`--unless: expected COUNT/DURATION such as 20/1h, got ${JSON.stringify(options.unless)}`, ExitCode.usage);
    rule.unless = { count: Number(rate[1]), per: rate[2] };
  }
  appendIgnoreRule(paths.ignoreFile, rule);
  ctx.stdout(`added ${String(rule.id)} to ${paths.ignoreFile}`);
  return ExitCode.ok;
}

/** The narrowest rule for a group: its fingerprint, which already holds exception, template, logger and function. */
function groupMatch(options: IgnoreAddOptions, state: StateStore): Record<string, string> {
  if (MATCH_KEYS.some((key) => options[key] !== undefined)) {
    throw new SentinelError(
      `ignore add: --from-group writes the match itself; give it without --${MATCH_KEYS.join(', --')}`,
      ExitCode.usage,
    );
  }
  return { fingerprint: requireGroup(state, options.fromGroup!, '--from-group') };
}

function optionsMatch(options: IgnoreAddOptions, state: StateStore, ruleNames: string[]): Record<string, string> {
  const match: Record<string, string> = {};
  for (const key of MATCH_KEYS) if (options[key]) match[key] = options[key];
  if (Object.keys(match).length === 0) {
    throw new SentinelError(
      'ignore add: give --from-group FP, or at least one of --fingerprint, --message, --logger, --exception, --level',
      ExitCode.usage,
    );
  }
  if (match.level !== undefined) {
    const n = levelNumber(match.level);
    if (n === undefined)
      throw new SentinelError(
        `--level: unknown level ${JSON.stringify(match.level)}; use a loguru level name such as WARNING or ERROR`,
        ExitCode.usage,
      );
    match.level = levelName(n); // a rule saying WARN must match loguru's WARNING rows
  }
  if (match.fingerprint !== undefined) {
    const found = lookUpGroup(state, match.fingerprint);
    if (found.kind === 'found') match.fingerprint = found.fingerprint;
    // A whole fingerprint (or a fingerprint rule's name) may name a group this state has not seen yet.
    else if (found.kind === 'ambiguous' || !(FULL_FINGERPRINT.test(match.fingerprint) || ruleNames.includes(match.fingerprint))) {
      throw new SentinelError(describeMiss(found, match.fingerprint, '--fingerprint'), ExitCode.usage);
    }
  }
  return match;
}

const FULL_FINGERPRINT = /^[0-9a-f]{16}$/;

/** `rule-N` past every N in the file (its comments remember removed rules) and every id that ever had hits:
 * a new rule never inherits an old one's statistics. */
function nextRuleId(fileText: string, idsSeen: string[]): string {
  let max = 0;
  for (const text of [fileText, ...idsSeen]) for (const m of text.matchAll(/\brule-(\d+)\b/g)) max = Math.max(max, Number(m[1]));
  return `rule-${max + 1}`;
}

/** Whole days expire at the end of a day, written as the date; shorter spans keep the time. */
function expiryOf(at: number, span: number): string {
  if (span >= DAY) return new Date(Math.ceil(at / DAY) * DAY).toISOString().slice(0, 10);
  return new Date(Math.ceil(at / 60_000) * 60_000).toISOString().replace(/:00\.000Z$/, ':00Z');
}

export async function ignoreRmCommand(options: { id: string; config?: string }, ctx: CommandContext): Promise<number> {
  const { paths } = load(options.config, ctx);
  const note = `${options.id} removed ${new Date(ctx.clock.now()).toISOString().slice(0, 10)} by ${operatorName(ctx.env)}`;
  if (!removeIgnoreRule(paths.ignoreFile, options.id, note)) {
    throw new SentinelError(`no rule ${JSON.stringify(options.id)} in ${paths.ignoreFile}`, ExitCode.usage);
  }
  ctx.stdout(`removed ${options.id} from ${paths.ignoreFile}`);
  return ExitCode.ok;
}

export async function ignoreListCommand(options: { json?: boolean; config?: string }, ctx: CommandContext): Promise<number> {
  const { paths } = load(options.config, ctx);
  const rules = loadIgnoreRules(paths.ignoreFile);
  const now = ctx.clock.now();
  const state = openStateStore(paths.stateDir, { readonly: true });
  try {
    const rows = rules.map((rule) => ({ rule, expired: isExpired(rule, now), ...state.ruleStats(rule.id, now) }));
    if (options.json) {
      ctx.stdout(
        JSON.stringify(
          rows.map((r) => ({
            id: r.rule.id,
            reason: r.rule.reason,
            expired: r.expired,
            until: r.rule.until === undefined ? null : new Date(r.rule.until).toISOString(),
            hits_24h: r.lastDay,
            hits_7d: r.lastWeek,
            last_hit: r.lastHit === null ? null : new Date(r.lastHit).toISOString(),
          })),
        ),
      );
      return ExitCode.ok;
    }
    if (rows.length === 0) ctx.stdout(`no ignore rules in ${paths.ignoreFile}`);
    const idWidth = Math.max(...rows.map((r) => r.rule.id.length));
    const dayWidth = Math.max(3, ...rows.map((r) => String(r.lastDay).length));
    const weekWidth = Math.max(3, ...rows.map((r) => String(r.lastWeek).length));
    for (const r of rows) {
      const last = r.lastHit === null ? 'never hit' : `last hit ${new Date(r.lastHit).toISOString()}`;
      const expiry = r.expired ? ' [expired]' : r.rule.until ? ` until ${new Date(r.rule.until).toISOString().slice(0, 10)}` : '';
      ctx.stdout(
        `${r.rule.id.padEnd(idWidth)}  24h ${String(r.lastDay).padStart(dayWidth)}  7d ${String(r.lastWeek).padStart(weekWidth)}  ${last}${expiry}  — ${r.rule.reason}`,
      );
    }
    return ExitCode.ok;
  } finally {
    state.close();
  }
}
