import { callRecord, type ClaudeOutcome, type ClaudeRunner } from '../adapters/claude-runner.js';
import type { QueuedInvestigation } from '../core/state-store.js';
import { answerJsonSchema, parseAnswer } from '../core/answer.js';
import { PAUSE_KEY, usageLimitUntil } from './claude-pause.js';
import type { Config } from '../core/config.js';
import type { HealthSubject } from '../core/health.js';
import { renderHealthPrompt } from '../core/health-prompt.js';
import type { Diagnosis, InvestigationKind, InvestigationSubject, NoDiagnosis, QueuedSubject, ReportKind } from '../core/investigation.js';
import { budgetRefusal, retryDelay, startOfUtcDay } from '../core/investigation-policy.js';
import { formatUtc, renderInvestigationPrompt, type PromptTool } from '../core/prompt.js';
import { formatDuration } from '../core/duration.js';
import { finishWriting, writeIncident, type IncidentFileDeps, type ReportPhase } from './incident-files.js';
import type { InvestigationContext } from './investigation-context.js';

export interface InvestigateResult {
  investigation: InvestigationKind;
  incidents: string[];
  costUsd: number;
  /** Failed attempts that will be retried, one line each. */
  retries: string[];
}

export interface InvestigateDeps extends IncidentFileDeps {
  config: Config;
  /** `unavailable`: Claude cannot be used this run, for this reason. */
  claude: { runner: ClaudeRunner; tools: PromptTool[]; costIsEstimate?: boolean } | { unavailable: NoDiagnosis };
  /** The text of prompts/investigate.md or prompts/health.md. */
  promptTemplate(kind: ReportKind): string;
  /** Raw output of the curated analyses, for fallback reports. */
  fallbackAnalyses(queued: QueuedSubject): Promise<{ tool: string; text: string }[]>;
  /** Only items of this kind (`sentinel health` leaves error investigations to `sentinel run`). */
  onlyKind?: ReportKind;
  /** `--retry-now`: take queued investigations whatever their backoff. */
  ignoreBackoff: boolean;
  onProgress?: (progress: { elapsedMs: number; toolCalls: number }) => void;
  /** Sends what the outbox holds now, while Claude is still working. */
  deliverNow(): Promise<unknown>;
  /** After an incident with a diagnosis is on disk: `sentinel run` queues a fix attempt there. */
  onDiagnosed?: (incidentPath: string, queued: QueuedSubject, answer: Extract<Diagnosis, { kind: 'claude' }>['answer']) => void;
  /** The code, the team's files and the memory for an error investigation (stages/investigation-context.ts). */
  context?: (subject: InvestigationSubject) => Promise<InvestigationContext>;
}

/** Works through the queue: at most one Claude call a run (each may take minutes), fallbacks and
 * unfinished writes for the rest. No alert waits for Claude: when it has not answered within
 * `investigate.first_push_within`, failed, or is busy, the deterministic report is written and
 * pushed at once (`diagnosis: pending`) and the diagnosis later updates the file in place, with one
 * follow-up push. A failure to write an incident stops the run loudly; the queue keeps the groups. */
export async function investigateQueue(deps: InvestigateDeps): Promise<InvestigateResult> {
  const result: InvestigateResult = { investigation: 'none', incidents: [], costUsd: 0, retries: [] };
  const maxAttempts = deps.config.investigate.max_attempts;
  let calledClaude = false;
  // Gathered once per item, and only for one that is asked about or written now (it reads files and runs git).
  const contexts = new Map<number, Promise<InvestigationContext | null>>();
  const contextOf = (item: QueuedInvestigation, queued: QueuedSubject) => {
    let context = contexts.get(item.id);
    if (context === undefined) {
      context = queued.kind === 'incident' && deps.context ? deps.context(queued.subject) : Promise.resolve(null);
      contexts.set(item.id, context);
    }
    return context;
  };
  const report = async (item: QueuedInvestigation, queued: QueuedSubject, diagnosis: Diagnosis, phase: ReportPhase) => {
    const incidentPath = writeIncident(deps, item, queued, diagnosis, phase, (await contextOf(item, queued))?.code ?? []);
    result.incidents.push(incidentPath);
    if (diagnosis.kind === 'claude') deps.onDiagnosed?.(incidentPath, queued, diagnosis.answer);
    if (diagnosis.kind === 'claude') result.investigation = 'claude';
    else if (result.investigation !== 'claude') result.investigation = phase === 'first' ? 'pending' : 'fallback';
  };
  /** Without a diagnosis now: a first report if none went out yet, the last word if none will come. */
  const reportWithout = async (item: QueuedInvestigation, queued: QueuedSubject, why: NoDiagnosis) => {
    const reported = item.incidentPath !== null;
    if (why.kind === 'pending' && reported) return;
    await report(item, queued, await fallback(deps, queued, why), why.kind === 'pending' ? 'first' : reported ? 'update' : 'final');
  };
  const now = deps.ignoreBackoff ? Number.MAX_SAFE_INTEGER : deps.now();
  for (const item of deps.state.dueInvestigations(now)) {
    if (deps.onlyKind !== undefined && item.kind !== deps.onlyKind) continue;
    if (item.state === 'writing') {
      result.incidents.push(finishWriting(deps, item));
      continue;
    }
    const queued = readSubject(item);
    if (item.nextAttemptAt > now && item.attempts < maxAttempts) {
      // The run asking Claude died before it answered: the alert goes now, Claude is asked after the backoff.
      await reportWithout(item, queued, { kind: 'pending', reason: 'the run asking Claude was stopped before it answered' });
      if (result.investigation === 'none') result.investigation = 'queued';
      continue;
    }
    const claude = deps.claude;
    const refusal = 'runner' in claude ? budgetCheck(deps) : null;
    const pausedUntil = 'runner' in claude ? usageLimitUntil(deps) : null;
    if (item.attempts >= maxAttempts) {
      // Every attempt was claimed and none came back: the process died during each Claude call.
      const reason = item.errors.at(-1) ?? 'the process was stopped during each Claude call';
      await reportWithout(item, queued, { kind: 'failed', attempts: item.attempts, reason });
    } else if ('unavailable' in claude || refusal || pausedUntil !== null) {
      const why: NoDiagnosis =
        'unavailable' in claude
          ? claude.unavailable
          : pausedUntil !== null
            ? { kind: 'usage_limit', until: pausedUntil }
            : { kind: 'over_budget', detail: refusal! };
      await reportWithout(item, queued, why);
    } else if (calledClaude) {
      await reportWithout(item, queued, { kind: 'pending', reason: 'Claude was busy with another investigation this run' });
      if (result.investigation === 'none') result.investigation = 'queued';
    } else {
      calledClaude = true;
      await investigateOne(deps, item, queued, claude, result, reportWithout, report, await contextOf(item, queued));
    }
  }
  return result;
}

async function investigateOne(
  deps: InvestigateDeps,
  item: QueuedInvestigation,
  queued: QueuedSubject,
  claude: { runner: ClaudeRunner; tools: PromptTool[]; costIsEstimate?: boolean },
  result: InvestigateResult,
  reportWithout: (item: QueuedInvestigation, queued: QueuedSubject, why: NoDiagnosis) => Promise<void>,
  report: (item: QueuedInvestigation, queued: QueuedSubject, diagnosis: Diagnosis, phase: ReportPhase) => Promise<void>,
  context: InvestigationContext | null,
): Promise<void> {
  const maxAttempts = deps.config.investigate.max_attempts;
  const attempts = item.attempts + 1;
  deps.state.claimAttempt(item.id, deps.now() + retryDelay(attempts));
  const call = askClaude(deps, claude.runner, claude.tools, queued, context);
  let current = item;
  if (item.incidentPath === null) {
    const waitMs = deps.config.investigate.first_push_within;
    const early = await firstOf(call, waitMs);
    if (early === null) {
      // Claude is slow or hanging: the deterministic report goes out now, the diagnosis follows.
      await reportWithout(item, queued, {
        kind: 'pending',
        reason: `Claude had not answered within ${formatDuration(waitMs)} (investigate.first_push_within)`,
      });
      await deps.deliverNow();
      current = { ...item, incidentPath: deps.state.investigation(item.id)?.incidentPath ?? null };
    }
  }
  const outcome = await call;
  result.costUsd += outcomeCost(outcome);
  const answer = outcome.kind === 'ok' ? parseAnswer(outcome.answer) : null;
  if (outcome.kind === 'ok' && answer?.ok) {
    const run = {
      model: deps.config.claude.model,
      numTurns: outcome.numTurns,
      costUsd: outcome.costUsd,
      durationMs: outcome.durationMs,
      toolCalls: outcome.toolCalls,
      ...(claude.costIsEstimate ? { costIsEstimate: true } : {}),
    };
    await report(current, queued, { kind: 'claude', answer: answer.answer, run }, current.incidentPath === null ? 'final' : 'update');
    return;
  }
  if (outcome.kind === 'usage_limit') {
    // A state, not a failure: no call can succeed before the reset, so none is made until then.
    const until = outcome.resetsAt ?? deps.now() + USAGE_LIMIT_DEFAULT_PAUSE_MS;
    deps.state.setMeta(PAUSE_KEY, String(until));
    deps.state.addWarning(
      deps.now(),
      'claude_usage_limit',
      `subscription usage limit reached (${outcome.reason}); no Claude call until ${formatUtc(until)}`,
    );
    await reportWithout(current, queued, { kind: 'usage_limit', until });
    return;
  }
  const reason = outcome.kind === 'ok' ? `the answer did not fit the schema: ${answer && !answer.ok ? answer.reason : ''}` : outcome.reason;
  if (attempts < maxAttempts) {
    deps.state.recordFailure(item.id, reason, deps.now() + retryDelay(attempts));
    result.retries.push(`attempt ${attempts} of ${maxAttempts} failed: ${reason}`);
    await reportWithout({ ...current, errors: [...current.errors, reason] }, queued, {
      kind: 'pending',
      reason: `attempt ${attempts} of ${maxAttempts} failed: ${reason}`,
    });
    if (result.investigation === 'none') result.investigation = 'queued';
    return;
  }
  deps.state.recordFailure(item.id, reason, deps.now());
  await reportWithout({ ...current, errors: [...current.errors, reason] }, queued, { kind: 'failed', attempts, reason });
}

/** The promise's value if it settles within `ms`, else null (it keeps running). */
async function firstOf<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const USAGE_LIMIT_DEFAULT_PAUSE_MS = 3_600_000; // the CLI named no reset time

function budgetCheck(deps: InvestigateDeps): string | null {
  const usage = deps.state.claudeUsageSince(startOfUtcDay(deps.now()));
  return budgetRefusal({
    callsToday: usage.calls,
    costToday: usage.cost,
    dailyMaxRuns: deps.config.claude.daily_max_runs,
    dailyBudgetUsd: deps.config.claude.daily_budget_usd,
  });
}

export function readSubject(item: QueuedInvestigation): QueuedSubject {
  return item.kind === 'health'
    ? { kind: 'health', subject: JSON.parse(item.subject) as HealthSubject }
    : { kind: 'incident', subject: JSON.parse(item.subject) as InvestigationSubject };
}

async function askClaude(
  deps: InvestigateDeps,
  runner: ClaudeRunner,
  tools: PromptTool[],
  queued: QueuedSubject,
  context: InvestigationContext | null,
): Promise<ClaudeOutcome> {
  const template = deps.promptTemplate(queued.kind);
  const prompt =
    queued.kind === 'health'
      ? renderHealthPrompt({ template, subject: queued.subject, tools })
      : renderInvestigationPrompt({ template, groups: queued.subject.groups, tools, window: queued.subject.window, ...context });
  const callId = deps.state.startClaudeCall(deps.now());
  const outcome = await runner.investigate({
    prompt,
    jsonSchema: answerJsonSchema,
    ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
  });
  deps.state.finishClaudeCall(callId, callRecord(outcome));
  return outcome;
}

const outcomeCost = (outcome: ClaudeOutcome) => callRecord(outcome).costUsd;

async function fallback(deps: InvestigateDeps, queued: QueuedSubject, why: NoDiagnosis): Promise<Diagnosis> {
  return { kind: 'fallback', why, analyses: await deps.fallbackAnalyses(queued) };
}
