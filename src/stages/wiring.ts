import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { LoadedConfig } from '../adapters/config-paths.js';
import { resolveClaudeCredential } from '../adapters/claude-credential.js';
import { createClaudeRunner } from '../adapters/claude-runner.js';
import { claudeRunsDir } from '../adapters/claude-run-dirs.js';
import { createDiscordNotifier } from '../adapters/discord.js';
import { createNtfyNotifier } from '../adapters/ntfy.js';
import { packageRoot } from '../adapters/package-root.js';
import { findClaude } from '../adapters/claude-command.js';
import { readSecret } from '../adapters/secrets.js';
import { readRegularFile } from '../adapters/regular-file.js';
import type { StateStore } from '../core/state-store.js';
import { describeErrorGroup } from '../analysis/error-group.js';
import { openLogRowsLazily } from '../analysis/log-rows.js';
import { analysesOf } from '../analysis/registry.js';
import { bySeverity } from '../core/group-order.js';
import type { Notifier } from '../core/notification.js';
import { createRedactor, type Redactor } from '../core/redact.js';
import type { CommandContext } from '../core/types.js';
import type { InvestigateDeps } from './investigate.js';
import type { QueuedSubject } from '../core/investigation.js';

const TOOL_PREFIX = 'mcp__sentinel__';
const FALLBACK_GROUPS = 3;
const FALLBACK_HOURS = 24;

/** Claude if it can run now, else why not (the fallback report says it). */
export function buildClaude(loaded: LoadedConfig, ctx: CommandContext): InvestigateDeps['claude'] {
  const { config, file, paths } = loaded;
  if (!config.claude.enabled) return { unavailable: { kind: 'disabled' } };
  const path = ctx.env.PATH ?? '';
  const command = findClaude(config.claude.command, path)?.command;
  if (!command)
    return { unavailable: { kind: 'unavailable', detail: `claude.command ${JSON.stringify(config.claude.command)} is not found on PATH` } };
  const credential = resolveClaudeCredential(config.claude, ctx.env, dirname(file));
  if (!credential.ok) return { unavailable: { kind: 'unavailable', detail: credential.message } };
  const { kind, env: credentialEnv } = credential.credential;
  // The same list `sentinel mcp` serves from the same config: each tool allowed by name.
  const analyses = analysesOf(loaded, ctx.env);
  const tools = analyses.map((a) => ({ name: `${TOOL_PREFIX}${a.name}`, description: a.description }));
  const runner = createClaudeRunner({
    command,
    model: config.claude.model,
    maxTurns: config.claude.max_turns,
    maxBudgetUsd: config.claude.max_budget_usd,
    timeoutMs: config.claude.timeout,
    privateDir: claudeRunsDir(paths.stateDir),
    pathEnv: path,
    credentialEnv,
    // Anthropic's own API only: Bedrock and Vertex have their own base-URL variables.
    ...(ctx.env.ANTHROPIC_BASE_URL && (kind === 'api_key' || kind === 'oauth_token') ? { baseUrl: ctx.env.ANTHROPIC_BASE_URL } : {}),
    apiTimeoutMs: Number(ctx.env.API_TIMEOUT_MS) || Math.min(config.claude.timeout, 120_000),
    maxRetries: ctx.env.CLAUDE_CODE_MAX_RETRIES === undefined ? 3 : Number(ctx.env.CLAUDE_CODE_MAX_RETRIES) || 0,
    // The tools must read the state this run uses, also when it came from systemd's $STATE_DIRECTORY,
    // which the CLI's minimal environment does not carry.
    mcpServer: { command: process.execPath, args: [ctx.cliPath, '--config', file, 'mcp'], env: { STATE_DIRECTORY: paths.stateDir } },
    tools: analyses.map((a) => a.name),
  });
  return { runner, tools, ...(kind === 'oauth_token' ? { costIsEstimate: true } : {}) };
}

export function readPromptTemplate(name: 'investigate' | 'health'): string {
  return readFileSync(join(packageRoot(), 'prompts', `${name}.md`), 'utf8');
}

/** The fallback report's raw material: the activity of the largest groups (their samples are in
 * the report's own group section), or the analyses behind the concerning series (each run once). */
export function fallbackAnalyses(
  loaded: LoadedConfig,
  state: StateStore,
  redactor: Redactor,
  ctx: CommandContext,
): InvestigateDeps['fallbackAnalyses'] {
  return async (queued: QueuedSubject) => {
    const { config, paths } = loaded;
    const analyses = analysesOf(loaded, ctx.env);
    const logs = openLogRowsLazily(paths.database, config.source, ctx.env, paths.databaseSnapshot);
    const deps = { config, state, logs, redactor, clock: ctx.clock };
    const calls =
      queued.kind === 'health'
        ? queued.subject.series.map((s) => ({
            tool: `${s.analysis} ${Object.values(s.args).join(' ')}`.trim(),
            run: async () => (await analyses.find((a) => a.name === s.analysis)?.run(s.args, deps))?.text,
          }))
        : [...queued.subject.groups]
            .filter((g) => g.count > 0) // a synthetic group (the app went silent) has no rows to analyse
            .sort(bySeverity)
            .slice(0, FALLBACK_GROUPS)
            .map((g) => ({
              tool: `error_group ${g.fingerprint}`,
              run: async () => describeErrorGroup(g.fingerprint, FALLBACK_HOURS, deps, 'activity').text,
            }));
    try {
      const out: { tool: string; text: string }[] = [];
      for (const { tool, run } of new Map(calls.map((c) => [c.tool, c])).values()) {
        const text = await run();
        if (text !== undefined) out.push({ tool, text });
      }
      return out;
    } finally {
      await logs.close();
    }
  };
}

/** A digest per channel of everything that decides whether a send can work (secrets included, hashed). */
export function describeChannelConfigs(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Map<string, string> {
  const { ntfy, discord } = loaded.config.notify;
  const digest = (parts: unknown[]) => createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  const configs = new Map<string, string>();
  if (ntfy) {
    const token = readSecret(env, {
      ...(ntfy.token_env ? { envName: ntfy.token_env } : {}),
      ...(ntfy.token_file ? { file: ntfy.token_file } : {}),
      credential: 'ntfy-token',
    });
    configs.set('ntfy', digest([ntfy.url, ntfy.topic, ntfy.click ?? null, token?.trim() ?? null]));
  }
  if (discord)
    configs.set('discord', digest([readSecret(env, { envName: discord.webhook_url_env, credential: 'discord-webhook-url' }) ?? null]));
  return configs;
}

/** An incident sentinel wrote is far smaller; whatever else stands at its name is not attached. */
const MAX_ATTACHED_BYTES = 8 << 20;

/** The incident file as written, redacted once more with the configured patterns before it leaves. */
function readIncidentForAttachment(loaded: LoadedConfig): (file: string) => string | null {
  const redactor = createRedactor(loaded.config.redact.patterns);
  return (file) => {
    // The outbox names a file this sentinel wrote: a bare name inside the incidents dir, nothing else.
    if (basename(file) !== file) return null;
    try {
      return redactor.redact(readRegularFile(join(loaded.paths.incidentsDir, file), MAX_ATTACHED_BYTES).toString('utf8')).text;
    } catch {
      return null; // moved, deleted or replaced since: the push still goes, without the file
    }
  };
}

function explainRefusals(notifier: Notifier, note: string): Notifier {
  return {
    name: notifier.name,
    async send(n) {
      const result = await notifier.send(n);
      return result.kind === 'rejected' && /HTTP 40[13]\b/.test(result.reason)
        ? { ...result, reason: `${result.reason} (${note})` }
        : result;
    },
  };
}

/** The configured channels; one whose secret is missing stays in the map, to be reported per message. */
export function buildNotifiers(loaded: LoadedConfig, env: NodeJS.ProcessEnv): Map<string, Notifier | { missing: string }> {
  const notifiers = new Map<string, Notifier | { missing: string }>();
  const { ntfy, discord } = loaded.config.notify;
  if (ntfy) {
    const token = readSecret(env, {
      ...(ntfy.token_env ? { envName: ntfy.token_env } : {}),
      ...(ntfy.token_file ? { file: ntfy.token_file } : {}),
      credential: 'ntfy-token',
    });
    const notifier = createNtfyNotifier({
      url: ntfy.url,
      topic: ntfy.topic,
      ...(token ? { token } : {}),
      ...(ntfy.click ? { click: ntfy.click } : {}),
      ...(ntfy.attach ? { readAttachment: readIncidentForAttachment(loaded) } : {}),
      timeoutMs: 15_000,
    });
    // The token is optional (a public topic needs none): without it, a refusal says what is missing.
    const missing =
      (ntfy.token_env || ntfy.token_file) && !token
        ? `no token in ${ntfy.token_env ? `$${ntfy.token_env}` : ntfy.token_file}, sent without one`
        : null;
    notifiers.set('ntfy', missing === null ? notifier : explainRefusals(notifier, missing));
  }
  if (discord) {
    const webhookUrl = readSecret(env, { envName: discord.webhook_url_env, credential: 'discord-webhook-url' });
    notifiers.set(
      'discord',
      webhookUrl ? createDiscordNotifier({ webhookUrl, timeoutMs: 15_000 }) : { missing: `no webhook URL in $${discord.webhook_url_env}` },
    );
  }
  return notifiers;
}
