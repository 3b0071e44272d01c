import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AutofixJob, AutofixJobs } from '../core/state-store.js';
import type { ClaudeFixer } from '../adapters/claude-fixer.js';
import { callRecord } from '../adapters/claude-runner.js';
import type { Git } from '../adapters/git.js';
import type { StateStore } from '../core/state-store.js';
import type { TestSandboxOptions } from '../adapters/test-sandbox.js';
import { checkDiff } from '../core/autofix-gate.js';
import { amendIncident, type AutofixStatus } from '../core/autofix-incident.js';
import { fixAnswerJsonSchema, fixAnswerSchema, type AutofixJobData, type TestRun } from '../core/autofix-job.js';
import { autofixBudgetRefusal, fixBranchName, type AutofixState } from '../core/autofix-policy.js';
import { renderCommitMessage, renderPullText } from '../core/autofix-pr.js';
import { renderFixPrompt } from '../core/autofix-prompt.js';
import type { Config } from '../core/config.js';
import type { Forge, ForgeFailure } from '../core/forge.js';
import { startOfUtcDay } from '../core/investigation-policy.js';
import type { Redactor } from '../core/redact.js';

export interface AutofixDeps {
  config: Config;
  stateDir: string;
  incidentsDir: string;
  state: StateStore;
  jobs: AutofixJobs;
  git: Git;
  /** Where the clone comes from (repository.url, or `--repo DIR` on a laptop) and where it goes. */
  cloneUrl: string;
  pushUrl: string;
  /** Null: a dry run, which stops before anything leaves the machine. */
  forge: Forge | null;
  token: string | null;
  fixer: ClaudeFixer;
  promptTemplate: string;
  runTests: (opts: TestSandboxOptions) => Promise<TestRun>;
  /** The allow-listed variables for the tests, already picked from sentinel's environment. */
  testEnv: Record<string, string>;
  redactor: Redactor;
  channels: string[];
  now: () => number;
  log: (line: string) => void;
}

export type JobResult = { state: AutofixState; reason: string | null; data: AutofixJobData };

type Step =
  | { next: AutofixState; data: AutofixJobData; claudeAt?: number; openedAt?: number }
  | { stop: string; data: AutofixJobData }
  | { wait: number; reason: string; data: AutofixJobData };

const MAX_FORGE_RETRIES = 3;
const MAX_BRANCH_NAMES = 5;
const DAY = 86_400_000;

/** Drives one job from its persisted state to `notified` or `stopped`, saving after every step:
 * a kill anywhere resumes here, and the branch name and PR are looked up before being made anew. */
export async function runAutofixJob(deps: AutofixDeps, job: AutofixJob): Promise<JobResult> {
  let state = job.state;
  let data = job.data;
  const dir = join(deps.stateDir, 'autofix', `job-${job.id}`);
  while (state !== 'notified' && state !== 'stopped') {
    deps.log(`job ${job.id}: ${state}`);
    let step = await runStep(deps, job, state, data, dir).catch((error: unknown): Step => {
      // git or the file system failing (a network outage, a full disk): later, a bounded number of times.
      const reason = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      return forgeProblem(deps, job, { kind: 'unavailable', reason }, data);
    });
    data = step.data;
    // A dry run is never left for a tick to finish for real.
    if ('wait' in step && deps.forge === null) step = { stop: `dry run: would wait: ${step.reason}`, data };
    if ('wait' in step) {
      deps.jobs.postpone(job.id, data, step.wait, deps.now());
      deps.log(`job ${job.id}: waits until ${new Date(step.wait).toISOString()}: ${step.reason}`);
      return { state, reason: step.reason, data };
    }
    if ('stop' in step) {
      // A dry run leaves the incident alone and does not count as the fingerprint's attempt.
      const reason = deps.forge === null && !step.stop.startsWith('dry run') ? `dry run: ${step.stop}` : step.stop;
      // The incident first, then the state: a kill in between writes the same section again.
      if (deps.forge !== null) amendIncidentFile(deps, job, 'stopped', reason, data);
      deps.jobs.advance(job.id, 'stopped', data, deps.now(), { stopReason: reason });
      rmSync(dir, { recursive: true, force: true });
      deps.log(`job ${job.id}: stopped: ${reason}`);
      return { state: 'stopped', reason, data };
    }
    deps.jobs.advance(job.id, step.next, data, deps.now(), {
      ...(step.claudeAt ? { claudeAt: step.claudeAt } : {}),
      ...(step.openedAt ? { openedAt: step.openedAt } : {}),
    });
    state = step.next;
  }
  rmSync(dir, { recursive: true, force: true });
  return { state, reason: null, data };
}

async function runStep(deps: AutofixDeps, job: AutofixJob, state: AutofixState, data: AutofixJobData, dir: string): Promise<Step> {
  const repo = join(dir, 'repo');
  const { config } = deps;
  switch (state) {
    case 'queued': {
      const group = deps.state.group(job.fingerprint);
      if (group?.status === 'resolved' && !data.force) return { stop: 'the group was resolved before the attempt', data };
      const refusal = budgetRefusal(deps);
      if (refusal) return { wait: startOfUtcDay(deps.now()) + DAY, reason: refusal, data };
      if (deps.forge) {
        const repository = await deps.forge.repository();
        if (repository.kind !== 'ok') return forgeProblem(deps, job, repository, data);
        if (!repository.value.private && !config.autofix.repository?.allow_public) {
          return {
            stop: 'the repository is public: a fix PR would publish log-derived text (autofix.repository.allow_public: true to allow it)',
            data,
          };
        }
      }
      rmSync(dir, { recursive: true, force: true });
      const cloned = await deps.git.cloneAt(deps.cloneUrl, repo, data.baseSha, deps.token);
      return { next: 'cloned', data: { ...data, ...cloned, gitConfigSha: hashFile(join(repo, '.git/config')) } };
    }
    case 'cloned': {
      // The call was claimed by a process that died during it: never pay for it twice.
      if (claimedBefore(deps, job)) return { stop: 'the process was stopped during the Claude run', data };
      if (!existsSync(repo)) return { next: 'queued', data };
      const claudeAt = deps.now();
      deps.jobs.advance(job.id, 'cloned', data, claudeAt, { claudeAt });
      const prompt = renderFixPrompt({
        template: deps.promptTemplate,
        answer: data.answer,
        group: data.group,
        baseSha: data.baseSha!,
        paths: config.autofix.paths,
        maxFiles: config.autofix.max_files,
        maxLines: config.autofix.max_changed_lines,
      });
      const callId = deps.state.startClaudeCall(claudeAt);
      const outcome = await deps.fixer.fix({ clone: repo, prompt, jsonSchema: fixAnswerJsonSchema });
      const record = callRecord(outcome);
      deps.state.finishClaudeCall(callId, record);
      const claude = {
        costUsd: record.costUsd,
        durationMs: outcome.durationMs,
        numTurns: record.numTurns,
        permissionDenials: outcome.permissionDenials,
      };
      const withClaude = { ...data, claude };
      if (outcome.kind !== 'ok') return { stop: `the Claude run failed: ${outcome.reason}`, data: withClaude };
      const fix = fixAnswerSchema.safeParse(outcome.answer);
      if (!fix.success) return { stop: 'the Claude run answered outside the schema', data: withClaude };
      if (fix.data.outcome === 'gave_up')
        return { stop: `Claude gave up: ${fix.data.summary.replace(/\s+/g, ' ').slice(0, 300)}`, data: { ...withClaude, fix: fix.data } };
      return { next: 'edited', data: { ...withClaude, fix: fix.data } };
    }
    case 'edited': {
      if (!existsSync(repo)) return { stop: 'the clone with the edits is gone', data };
      if (hashFile(join(repo, '.git/config')) !== data.gitConfigSha)
        return { stop: "the clone's .git/config changed during the edit", data };
      const base = data.baseSha!;
      const head = await deps.git.head(repo);
      // A commit made just before a crash: gate that commit, do not make another.
      const committed = head !== base;
      const entries = committed ? await deps.git.commitChanges(repo, base, head) : await deps.git.stagedChanges(repo, base);
      const patch = deps.redactor.redact(await deps.git.patch(repo, base, committed ? head : undefined)).text;
      const gate = checkDiff(entries, config.autofix);
      const diff = { files: entries.map((e) => e.path), added: gate.ok ? gate.added : 0, removed: gate.ok ? gate.removed : 0, patch };
      if (!gate.ok) return { stop: `the diff gate refused the change: ${gate.reason}`, data: { ...data, diff } };
      const raw = await deps.git.patch(repo, base, committed ? head : undefined);
      const secret = deps.redactor.findSecrets(raw)[0];
      if (secret)
        return { stop: `the change holds what looks like a secret (${secret.kind}): nothing leaves the machine`, data: { ...data, diff } };
      const commitSha = committed
        ? head
        : await deps.git.commit(repo, renderCommitMessage({ ...data, fix: data.fix! }, job.incidentPath, deps.redactor));
      return { next: 'gated', data: { ...data, diff, commitSha } };
    }
    case 'gated': {
      const test = config.autofix.test;
      if (!test)
        return {
          stop: 'no autofix.test.command is configured: nothing is published untested',
          data: { ...data, tests: { notRun: 'no test command configured' } },
        };
      const runs: TestRun[] = [];
      for (const [name, sha] of [
        ['base', data.baseSha!],
        ['fix', data.commitSha!],
      ] as const) {
        const worktree = join(dir, `test-${name}`);
        await deps.git.removeWorktree(repo, worktree);
        rmSync(worktree, { recursive: true, force: true });
        await deps.git.addWorktree(repo, worktree, sha);
        runs.push(
          await deps.runTests({
            command: test.command,
            worktree,
            timeoutMs: test.timeout,
            env: deps.testEnv,
            isolation: test.isolation,
            readOnlyPaths: test.read_only_paths,
            redact: (t) => deps.redactor.redact(t).text,
          }),
        );
        await deps.git.removeWorktree(repo, worktree);
      }
      const [baseRun, fixRun] = runs as [TestRun, TestRun];
      const tested = { ...data, tests: { base: baseRun, fix: fixRun } };
      if (fixRun.outcome === 'failed') return { stop: `the tests fail on the fix (exit code ${fixRun.exitCode})`, data: tested };
      if (fixRun.outcome !== 'passed')
        return { stop: `inconclusive: the run on the fix ${fixRun.outcome === 'timed_out' ? 'timed out' : 'could not run'}`, data: tested };
      if (baseRun.outcome === 'timed_out' || baseRun.outcome === 'error')
        return {
          stop: `inconclusive: the run on the base commit ${baseRun.outcome === 'timed_out' ? 'timed out' : 'could not run'}`,
          data: tested,
        };
      return { next: 'tested', data: tested };
    }
    case 'tested': {
      if (deps.forge === null) return { stop: 'dry run: tested, nothing pushed', data };
      // Checked before the push: a branch is published only when its PR may follow today.
      if (data.branch === undefined && deps.jobs.countsSince(startOfUtcDay(deps.now())).prs >= config.autofix.daily_max_prs) {
        return {
          wait: startOfUtcDay(deps.now()) + DAY,
          reason: `the daily cap of ${config.autofix.daily_max_prs} draft PRs is reached (autofix.daily_max_prs)`,
          data,
        };
      }
      const attempt = data.branchAttempt ?? 1;
      const branch = data.branch ?? fixBranchName(job.fingerprint, job.createdAt, attempt);
      if (data.branch === undefined) deps.jobs.advance(job.id, 'tested', { ...data, branch, branchAttempt: attempt }, deps.now()); // named before it exists
      const pushed = await deps.git.push(repo, deps.pushUrl, data.commitSha!, branch, deps.token);
      const named = { ...data, branch, branchAttempt: attempt };
      if (pushed.kind === 'pushed' || (pushed.kind === 'exists' && pushed.sha === data.commitSha)) return { next: 'pushed', data: named };
      if (pushed.kind === 'exists') {
        if (attempt >= MAX_BRANCH_NAMES)
          return { stop: `branches ${fixBranchName(job.fingerprint, job.createdAt, 1)} … -${attempt} all exist`, data: named };
        const next = attempt + 1;
        return { next: 'tested', data: { ...data, branch: fixBranchName(job.fingerprint, job.createdAt, next), branchAttempt: next } };
      }
      if (pushed.kind === 'auth_failed') return forgeProblem(deps, job, { kind: 'auth', reason: `git push: ${pushed.reason}` }, named);
      return forgeProblem(deps, job, { kind: 'unavailable', reason: `git push: ${pushed.reason}` }, named);
    }
    case 'pushed': {
      const forge = deps.forge!;
      const branch = data.branch!;
      const existing = await forge.findOpenPull(branch);
      if (existing.kind !== 'ok') return forgeProblem(deps, job, existing, data);
      if (existing.value) return { next: 'opened', data: { ...data, pr: { kind: 'draft', ...existing.value } }, openedAt: deps.now() };
      const text = renderPullText({
        job: data as Parameters<typeof renderPullText>[0]['job'],
        jobId: job.id,
        incidentFile: job.incidentPath,
        testCommand: config.autofix.test?.command ?? null,
        model: config.autofix.model,
        costUsd: data.claude?.costUsd ?? 0,
        redactor: deps.redactor,
      });
      const created = await forge.createDraftPull({ title: text.title, body: text.body, head: branch, base: data.defaultBranch! });
      if (created.kind === 'drafts_unsupported') {
        return {
          next: 'opened',
          data: {
            ...data,
            pr: {
              kind: 'branch_only',
              compareUrl: forge.compareUrl(data.defaultBranch!, branch),
              reason: 'this repository does not support draft pull requests',
            },
          },
        };
      }
      if (created.kind === 'exists') {
        // Made by an interrupted earlier try, between GitHub's answer and our save: link it.
        const found = await forge.findOpenPull(branch);
        if (found.kind !== 'ok') return forgeProblem(deps, job, found, data);
        if (!found.value) return { stop: `the forge says a pull request exists for ${branch}, and none is open`, data };
        return { next: 'opened', data: { ...data, pr: { kind: 'draft', ...found.value } }, openedAt: deps.now() };
      }
      if (created.kind !== 'ok') return forgeProblem(deps, job, created, data);
      const labelled = await forge.addLabels(created.value.number, config.autofix.labels);
      if (labelled.kind !== 'ok') deps.log(`job ${job.id}: warning: labels not added: ${labelled.reason}`);
      return { next: 'opened', data: { ...data, pr: { kind: 'draft', ...created.value } }, openedAt: deps.now() };
    }
    case 'opened': {
      const status: AutofixStatus = data.pr?.kind === 'draft' ? 'pr_opened' : 'branch_only';
      const file = amendIncidentFile(deps, job, status, null, data);
      const title = data.pr?.kind === 'draft' ? `Draft fix PR for ${data.answer.title}` : `Fix branch pushed for ${data.answer.title}`;
      const link = data.pr?.kind === 'draft' ? data.pr.url : data.pr?.kind === 'branch_only' ? data.pr.compareUrl : '';
      const message = `${data.fix?.fix_kind === 'defensive' ? 'A defensive change' : 'A fix'} to ${data.diff?.files.length ?? 0} file(s), tests pass on it; review before merging.\n\n${link}\n\n${file}`;
      deps.jobs.finish(job.id, data, deps.now(), {
        channels: deps.channels,
        payload: { title, message, severity: 'low', tags: ['autofix'], file },
      });
      return { next: 'notified', data };
    }
    default:
      return { stop: `unknown state ${state}`, data };
  }
}

function budgetRefusal(deps: AutofixDeps): string | null {
  const day = startOfUtcDay(deps.now());
  const usage = deps.state.claudeUsageSince(day);
  return autofixBudgetRefusal({
    claude: deps.config.claude,
    autofix: deps.config.autofix,
    callsToday: usage.calls,
    costToday: usage.cost,
    attemptsToday: deps.jobs.countsSince(day).attempts,
  });
}

function claimedBefore(deps: AutofixDeps, job: AutofixJob): boolean {
  return (deps.jobs.get(job.id)?.claudeAt ?? null) !== null;
}

/** Rate limits and outages wait; a token that does not work stops the job and warns once a day. */
function forgeProblem(deps: AutofixDeps, job: AutofixJob, failure: ForgeFailure, data: AutofixJobData): Step {
  if (failure.kind === 'rate_limited') return { wait: failure.retryAt, reason: failure.reason, data };
  const retries = (data.forgeRetries ?? 0) + 1;
  if (failure.kind === 'unavailable' && retries <= MAX_FORGE_RETRIES) {
    return { wait: deps.now() + 5 * 60_000 * 2 ** (retries - 1), reason: failure.reason, data: { ...data, forgeRetries: retries } };
  }
  if (failure.kind === 'auth') warnOncePerDay(deps, job, failure.reason);
  return { stop: `the forge refused: ${failure.reason}`, data };
}

function warnOncePerDay(deps: AutofixDeps, job: AutofixJob, reason: string): void {
  const day = startOfUtcDay(deps.now());
  if (deps.state.warningsSince(day).some((w) => w.kind === 'autofix-forge')) return;
  deps.state.addWarning(deps.now(), 'autofix-forge', reason);
  const payload = {
    title: 'sentinel autofix cannot use the forge',
    message: `${reason}\n\nCheck the token (credential forge-token): Contents and Pull requests write on the one repository.`,
    severity: 'medium',
    tags: ['autofix'],
    file: job.incidentPath,
  };
  for (const channel of deps.channels)
    deps.state.queueNotification(job.incidentPath, deps.now(), { channel, payload: JSON.stringify(payload) });
}

/** Rewrites the incident in place (temp file + rename, same mode): the outcome and the "Proposed fix"
 * section. A missing incident file is not a reason to lose the job's result: it stays in the state. */
function amendIncidentFile(deps: AutofixDeps, job: AutofixJob, status: AutofixStatus, reason: string | null, data: AutofixJobData): string {
  const path = join(deps.incidentsDir, job.incidentPath);
  if (!existsSync(path)) {
    deps.log(`job ${job.id}: warning: incident ${path} is gone; the outcome stays in the state database`);
    return job.incidentPath;
  }
  const amended = amendIncident(readFileSync(path, 'utf8'), {
    status,
    reason,
    data,
    testCommand: deps.config.autofix.test?.command ?? null,
    costUsd: data.claude?.costUsd ?? 0,
  });
  const temp = `${path}.autofix-${process.pid}.tmp`;
  writeFileSync(temp, amended, { mode: statSync(path).mode & 0o777 });
  renameSync(temp, path);
  return job.incidentPath;
}

function hashFile(path: string): string {
  return createHash('sha256')
    .update(existsSync(path) ? readFileSync(path) : Buffer.alloc(0))
    .digest('hex');
}
