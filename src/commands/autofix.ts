import { dirname, join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { createClaudeFixer } from '../adapters/claude-fixer.js';
import { findConfigFile, type LoadedConfig } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { createForge } from '../adapters/forge.js';
import { createGit } from '../adapters/git.js';
import { packageRoot } from '../adapters/package-root.js';
import { acquireRunLock } from '../adapters/run-lock.js';
import { readSecret } from '../adapters/secrets.js';
import { findClaude } from '../adapters/claude-command.js';
import { resolveClaudeCredential } from '../adapters/claude-credential.js';
import { openStateStore } from '../adapters/state-store.js';
import type { AutofixJob, StateStore } from '../core/state-store.js';
import { runTestsInSandbox } from '../adapters/test-sandbox.js';
import { autofixIneligibility } from '../core/autofix-policy.js';
import { renderPullText } from '../core/autofix-pr.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { createRedactor } from '../core/redact.js';
import { runAutofixJob, type AutofixDeps } from '../stages/autofix.js';
import type { CommandContext } from '../core/types.js';

export interface AutofixOptions {
  config?: string;
  /** An incident file or a fingerprint; none: the timer's tick, the next due job. */
  target?: string;
  dryRun?: boolean;
  /** Clone from this local repository instead of autofix.repository.url (a laptop). */
  repo?: string;
  /** Attempt again a fingerprint that was attempted before (a regression). */
  force?: boolean;
}

/** `sentinel autofix`: at most one job per call, under its own lock, so `sentinel run` never waits. */
export async function autofixCommand(options: AutofixOptions, ctx: CommandContext): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { config, paths } = loaded;
  if (!config.autofix.enabled || !config.autofix.repository)
    throw new SentinelError('autofix is disabled: set autofix.enabled: true and autofix.repository in the config', ExitCode.usage);
  if (options.dryRun && options.target === undefined)
    throw new SentinelError('--dry-run goes with an incident file or a fingerprint', ExitCode.usage);
  const lock = acquireRunLock(join(paths.stateDir, 'autofix'), ctx.pid);
  try {
    const state = openStateStore(paths.stateDir);
    try {
      const jobs = state.autofix;
      const job = options.target === undefined ? jobs.nextDue(ctx.clock.now()) : pickJob(options, loaded, state, ctx);
      if (job === null) {
        ctx.stdout(options.target === undefined ? 'autofix: nothing to do' : `autofix: ${options.target}: nothing to attempt`);
        return ExitCode.ok;
      }
      const deps = buildDeps(loaded, state, options, ctx);
      const result = await runAutofixJob(deps, job);
      if (options.dryRun && result.data.diff) {
        ctx.stdout(result.data.diff.patch.trimEnd());
        if (result.data.fix && result.data.tests && result.data.baseSha) {
          const text = renderPullText({
            job: result.data as Parameters<typeof renderPullText>[0]['job'],
            jobId: job.id,
            incidentFile: job.incidentPath,
            testCommand: config.autofix.test?.command ?? null,
            model: config.autofix.model,
            costUsd: result.data.claude?.costUsd ?? 0,
            redactor: deps.redactor,
          });
          ctx.stdout(`\n# ${text.title}\n\n${text.body}`);
        }
      }
      const pr = result.data.pr;
      const where =
        pr?.kind === 'draft'
          ? `: draft PR ${pr.url}`
          : pr?.kind === 'branch_only'
            ? `: branch ${result.data.branch}, open it from ${pr.compareUrl}`
            : '';
      ctx.stdout(`autofix job ${job.id} (${job.fingerprint}): ${result.state}${result.reason ? `: ${result.reason}` : ''}${where}`);
      return ExitCode.ok;
    } finally {
      state.close();
    }
  } finally {
    lock.release();
  }
}

/** By hand: the job of that incident or fingerprint; a refused or finished one becomes a new job
 * when it is eligible now (`--force` for one attempted before). */
function pickJob(options: AutofixOptions, loaded: LoadedConfig, state: StateStore, ctx: CommandContext): AutofixJob | null {
  const jobs = state.autofix;
  const target = options.target!;
  const isFile = target.endsWith('.md') || target.includes('/');
  const latest = isFile
    ? jobs.latestForIncident(target.slice(target.lastIndexOf('/') + 1))
    : jobs.latestFor(state.canonicalFingerprint(target));
  if (!latest)
    throw new SentinelError(`${target}: no incident with a diagnosis by Claude is known for it (the fix starts from one)`, ExitCode.usage);
  const unfinished = latest.state !== 'stopped' && latest.state !== 'notified';
  if (unfinished && !options.dryRun) return latest;
  const group = state.group(latest.fingerprint);
  const earlier = jobs.attemptsFor(latest.fingerprint);
  const reason = autofixIneligibility({
    config: loaded.config.autofix,
    answer: latest.data.answer,
    group: group && { status: group.status, lastSeen: group.lastSeen },
    earlierJobs: earlier,
    force: !!options.force || !!options.dryRun,
    now: ctx.clock.now(),
  });
  if (reason) {
    ctx.stderr(`sentinel: autofix: ${target}: not attempted: ${reason}`);
    return null;
  }
  const { answer, group: triggered } = latest.data;
  const id = jobs.add({
    fingerprint: latest.fingerprint,
    incidentPath: latest.incidentPath,
    data: { answer, group: triggered, force: !!options.force },
    now: ctx.clock.now(),
  });
  return jobs.get(id);
}

function buildDeps(loaded: LoadedConfig, state: StateStore, options: AutofixOptions, ctx: CommandContext): AutofixDeps {
  const { config, paths } = loaded;
  const repository = config.autofix.repository!;
  const path = ctx.env.PATH ?? '';
  const command = findClaude(config.claude.command, path)?.command;
  if (!command) throw new SentinelError(`claude.command ${JSON.stringify(config.claude.command)} is not found on PATH`, ExitCode.usage);
  // The same one credential kind investigations use: only its variables reach claude.
  const credential = resolveClaudeCredential(config.claude, ctx.env, dirname(loaded.file));
  if (!credential.ok) throw new SentinelError(credential.message, ExitCode.usage);
  const { kind, env: credentialEnv } = credential.credential;
  const token = readSecret(ctx.env, { envName: repository.token_env, credential: 'forge-token' });
  if (!token && !options.dryRun)
    throw new SentinelError(
      `no forge token: set $${repository.token_env} or the systemd credential forge-token (or use --dry-run)`,
      ExitCode.usage,
    );
  const redactor = createRedactor(config.redact.patterns);
  const test = config.autofix.test;
  return {
    config,
    stateDir: paths.stateDir,
    incidentsDir: paths.incidentsDir,
    state,
    jobs: state.autofix,
    git: createGit({ home: join(paths.stateDir, 'autofix', 'git-home'), pathEnv: path }),
    cloneUrl: options.repo ? resolve(ctx.cwd, options.repo) : repository.url,
    pushUrl: repository.url,
    forge: options.dryRun ? null : createForge(repository, token!, ctx.clock, 20_000).forge,
    token,
    fixer: createClaudeFixer({
      command,
      model: config.autofix.model,
      maxTurns: config.autofix.max_turns,
      maxBudgetUsd: config.autofix.max_budget_usd,
      timeoutMs: config.autofix.timeout,
      privateDir: join(paths.stateDir, 'autofix', 'claude'),
      pathEnv: path,
      credentialEnv,
      ...(ctx.env.ANTHROPIC_BASE_URL && (kind === 'api_key' || kind === 'oauth_token') ? { baseUrl: ctx.env.ANTHROPIC_BASE_URL } : {}),
      apiTimeoutMs: Number(ctx.env.API_TIMEOUT_MS) || 120_000,
      maxRetries: ctx.env.CLAUDE_CODE_MAX_RETRIES === undefined ? 3 : Number(ctx.env.CLAUDE_CODE_MAX_RETRIES) || 0,
      denyRead: [state.file, `${state.file}-wal`, `${state.file}-shm`, loaded.file, ...(paths.database === null ? [] : [paths.database])],
    }),
    promptTemplate: readFileSync(join(packageRoot(), 'prompts', 'autofix.md'), 'utf8'),
    runTests: runTestsInSandbox,
    testEnv: Object.fromEntries((test?.env ?? []).flatMap((name) => (ctx.env[name] === undefined ? [] : [[name, ctx.env[name]!]]))),
    redactor,
    channels: [...(config.notify.ntfy ? ['ntfy'] : []), ...(config.notify.discord ? ['discord'] : [])],
    now: () => ctx.clock.now(),
    log: (line) => ctx.stderr(`sentinel: autofix: ${line}`),
  };
}
