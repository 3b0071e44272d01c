import { hostname } from 'node:os';
import { findConfigFile, type LoadedConfig } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { createJournal } from '../adapters/journal.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { buildFailureNotice, buildTestNotice, isUnitName } from '../core/failure-notice.js';
import type { Notification, Notifier } from '../core/notification.js';
import { createRedactor } from '../core/redact.js';
import { buildNotifiers } from '../stages/wiring.js';
import type { CommandContext } from '../core/types.js';

const JOURNAL_LINES = 20;

/** `sentinel notify test`: one test message to each configured channel, each result on its own line. */
export async function notifyTestCommand(options: { config?: string }, ctx: CommandContext): Promise<number> {
  const notifiers = channels(loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env), ctx.env);
  const host = hostname();
  return sendToAll(notifiers, (name) => buildTestNotice(name, host), ctx);
}

/** `sentinel notify failure --unit U`: run by sentinel-failure@.service when a sentinel unit fails.
 * Sent directly, not through the outbox: the state DB may be what is broken. */
export async function notifyFailureCommand(
  options: { config?: string; unit: string; scope?: string },
  ctx: CommandContext,
): Promise<number> {
  if (!isUnitName(options.unit))
    throw new SentinelError(`--unit: not a systemd unit name: ${JSON.stringify(options.unit)}`, ExitCode.usage);
  const scope = options.scope ?? 'system';
  if (scope !== 'system' && scope !== 'user')
    throw new SentinelError(`--scope: expected system or user, got ${JSON.stringify(scope)}`, ExitCode.usage);
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const notifiers = channels(loaded, ctx.env);
  const journal = await createJournal({ path: ctx.env.PATH ?? '' }).tail(options.unit, scope, JOURNAL_LINES);
  if (journal.kind === 'failed') ctx.stderr(`sentinel: warning: ${journal.reason}`);
  const notice = buildFailureNotice({
    unit: options.unit,
    host: hostname(),
    journal,
    redactor: createRedactor(loaded.config.redact.patterns),
  });
  return sendToAll(notifiers, () => notice, ctx);
}

function channels(loaded: LoadedConfig, env: NodeJS.ProcessEnv) {
  const notifiers = buildNotifiers(loaded, env);
  if (notifiers.size === 0) {
    throw new SentinelError(`${loaded.file}: no channel configured: add notify.ntfy or notify.discord`, ExitCode.usage);
  }
  return notifiers;
}

async function sendToAll(
  notifiers: Map<string, Notifier | { missing: string }>,
  message: (channel: string) => Notification,
  ctx: CommandContext,
): Promise<number> {
  let failed = 0;
  for (const [name, notifier] of notifiers) {
    const outcome =
      'missing' in notifier ? { kind: 'rejected' as const, reason: `${name}: ${notifier.missing}` } : await notifier.send(message(name));
    if (outcome.kind === 'sent') ctx.stdout(`✓ ${name}: sent`);
    else {
      failed++;
      ctx.stdout(`✗ ${outcome.reason}`);
    }
  }
  return failed === 0 ? ExitCode.ok : ExitCode.failed;
}
