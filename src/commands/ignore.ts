import { findConfigFile, loadConfig, type LoadedConfig } from '../adapters/config-file.js';
import { appendIgnoreRule, loadIgnoreRules, removeIgnoreRule } from '../adapters/ignore-file.js';
import { openStateStore } from '../adapters/state-store.js';
import { cleanField, FIELD_CAPS } from '../core/clean.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createIgnoreMatcher, isExpired } from '../core/ignore.js';
import { levelNumber } from '../core/levels.js';
import { createRedactor } from '../core/redact.js';
import { contextKey, createTemplateLearner } from '../core/template.js';
import { parseLearnerSnapshot } from '../core/template-snapshot.js';
import type { CommandContext } from './context.js';

const load = (config: string | undefined, ctx: CommandContext): LoadedConfig =>
  loadConfig(findConfigFile(config, ctx.env, ctx.cwd), ctx.env);

export interface IgnoreAddOptions {
  config?: string;
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

export async function ignoreAddCommand(options: IgnoreAddOptions, ctx: CommandContext): Promise<number> {
  const { paths } = load(options.config, ctx);
  const match = Object.fromEntries(
    (['fingerprint', 'message', 'logger', 'exception', 'level'] as const).flatMap((key) => (options[key] ? [[key, options[key]]] : [])),
  );
  if (Object.keys(match).length === 0) {
    throw new SentinelError('ignore add: give at least one of --fingerprint, --message, --logger, --exception, --level', ExitCode.usage);
  }
  if (options.for && options.until) throw new SentinelError('ignore add: give --for or --until, not both', ExitCode.usage);
  if (options.level && levelNumber(options.level) === undefined) {
    throw new SentinelError(`--level: unknown level ${JSON.stringify(options.level)}; use a loguru level name such as WARNING or ERROR`, ExitCode.usage);
  }
  const now = ctx.clock.now();
  const rules = loadIgnoreRules(paths.ignoreFile);
  const next = 1 + Math.max(0, ...rules.map((r) => Number(/^rule-(\d+)$/.exec(r.id)?.[1] ?? 0)));
  const rule: Record<string, unknown> = {
    id: `rule-${next}`,
    match,
    reason: options.reason,
    added: { date: new Date(now).toISOString().slice(0, 10), author: options.author ?? ctx.env.SUDO_USER ?? ctx.env.USER ?? 'unknown' },
  };
  if (options.for) {
    const ms = parseDuration(options.for);
    if (!ms) throw new SentinelError(`--for: expected a duration such as 7d, got ${JSON.stringify(options.for)}`, ExitCode.usage);
    rule.until = new Date(now + ms).toISOString();
  }
  if (options.until) rule.until = options.until;
  if (options.unless) {
    const rate = /^(\d+)\/(\d+(?:ms|s|m|h|d|w))$/.exec(options.unless);
    if (!rate) throw new SentinelError(`--unless: expected COUNT/DURATION such as 20/1h, got ${JSON.stringify(options.unless)}`, ExitCode.usage);
    rule.unless = { count: Number(rate[1]), per: rate[2] };
  }
  appendIgnoreRule(paths.ignoreFile, rule);
  ctx.stdout(`added ${String(rule.id)} to ${paths.ignoreFile}`);
  return ExitCode.ok;
}

export async function ignoreRmCommand(options: { id: string; config?: string }, ctx: CommandContext): Promise<number> {
  const { paths } = load(options.config, ctx);
  if (!removeIgnoreRule(paths.ignoreFile, options.id)) {
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
    for (const r of rows) {
      const last = r.lastHit === null ? 'never hit' : `last hit ${new Date(r.lastHit).toISOString()}`;
      const expiry = r.expired ? ' [expired]' : r.rule.until ? ` until ${new Date(r.rule.until).toISOString().slice(0, 10)}` : '';
      ctx.stdout(`${r.rule.id.padEnd(10)} 24h ${String(r.lastDay).padStart(6)}  7d ${String(r.lastWeek).padStart(7)}  ${last}${expiry}  — ${r.rule.reason}`);
    }
    return ExitCode.ok;
  } finally {
    state.close();
  }
}

export interface IgnoreTestOptions {
  config?: string;
  message: string;
  logger?: string;
  exception?: string;
  level: string;
  function?: string;
}

/** Which rule matches, with the fingerprint and template the row would get from `sentinel run`. */
export async function ignoreTestCommand(options: IgnoreTestOptions, ctx: CommandContext): Promise<number> {
  const { config, paths } = load(options.config, ctx);
  const rules = loadIgnoreRules(paths.ignoreFile);
  const state = openStateStore(paths.stateDir, { readonly: true });
  try {
    const stored = parseLearnerSnapshot(JSON.parse(state.learnerSnapshot() ?? 'null'));
    const learner = createTemplateLearner(stored.kind === 'ok' ? stored.snapshot : undefined);
    const message = cleanField(options.message, FIELD_CAPS.message, createRedactor(config.redact.patterns)).text;
    const exceptionType = options.exception ?? null;
    const { key, template } = learner.templateOf(
      message,
      contextKey({ exceptionType, logger: options.logger ?? null, function: options.function ?? null, frames: '' }),
    );
    const fingerprint = state.canonicalFingerprint(
      createFingerprinter(config.fingerprint.rules).fingerprintOf({
        message,
        template: key,
        exceptionType,
        logger: options.logger ?? null,
        function: options.function ?? null,
        line: null,
        levelName: options.level.toUpperCase(),
      }),
    );
    const rule = createIgnoreMatcher(rules, ctx.clock.now()).match({
      fingerprint,
      message,
      logger: options.logger ?? null,
      exceptionType,
      levelName: options.level.toUpperCase(),
    });
    ctx.stdout(`fingerprint ${fingerprint}\ntemplate    ${template}`);
    ctx.stdout(rule ? `ignored by ${rule.id}: ${rule.reason}${rule.unless ? ` (unless more than ${rule.unless.count} per ${formatDuration(rule.unless.per)})` : ''}` : 'no rule matches: it would be reported');
    return ExitCode.ok;
  } finally {
    state.close();
  }
}
