import type { ClaudeOutcome, ClaudeRunner } from '../adapters/claude-runner.js';
import type { QueuedInvestigation } from '../adapters/state-store.js';
import { answerJsonSchema, parseAnswer } from '../core/answer.js';
import type { Config } from '../core/config.js';
import type { HealthSubject } from '../core/health.js';
import { renderHealthPrompt } from '../core/health-prompt.js';
import type { Diagnosis, NoDiagnosis, ReportKind } from '../core/incident.js';
import { budgetRefusal, retryDelay, startOfUtcDay } from '../core/investigation-policy.js';
import { renderInvestigationPrompt, type PromptTool, type TriggeredGroup } from '../core/prompt.js';
import { finishWriting, writeIncident, type IncidentFileDeps } from './incident-files.js';

/** What a queued investigation is about, stored as JSON in the queue when the run commits. */
export interface InvestigationSubject {
  window: { from: number; to: number };
  groups: TriggeredGroup[];
  /** Each group's hourly rate when queued: the next cooldown compares against it. */
  rates: Record<string, number>;
}

/** A queued item's subject, by the item's kind: error groups, or concerning health series. */
export type QueuedSubject = { kind: 'incident'; subject: InvestigationSubject } | { kind: 'health'; subject: HealthSubject };

export type InvestigationKind = 'claude' | 'fallback' | 'queued' | 'none';

export interface InvestigateResult {
  investigation: InvestigationKind;
  incidents: string[];
  costUsd: number;
  /** Failed attempts that will be retried, one line each. */
  retries: string[];
}

export interface InvestigateDeps extends IncidentFileDeps {
  config: Config;
  /** Null: Claude cannot be used this run, for this reason. */
  claude: { runner: ClaudeRunner; tools: PromptTool[] } | { unavailable: NoDiagnosis };
  /** The text of prompts/investigate.md or prompts/health.md. */
  promptTemplate(kind: ReportKind): string;
  /** Raw output of the curated analyses, for fallback reports. */
  fallbackAnalyses(queued: QueuedSubject): Promise<{ tool: string; text: string }[]>;
  /** Only items of this kind (`sentinel health` leaves error investigations to `sentinel run`). */
  onlyKind?: ReportKind;
  /** `--retry-now`: take queued investigations whatever their backoff. */
  ignoreBackoff: boolean;
  onProgress?: (progress: { elapsedMs: number; toolCalls: number }) => void;
  /** After an incident with a diagnosis is on disk: `sentinel run` queues a fix attempt there. */
  onDiagnosed?: (incidentPath: string, queued: QueuedSubject, answer: Extract<Diagnosis, { kind: 'claude' }>['answer']) => void;
}

/** Works through the queue: at most one Claude call a run (each may take minutes), fallbacks and
 * unfinished writes for the rest. A failure to write an incident stops the run loudly; the queue
 * keeps the groups for the next one. */
export async function investigateQueue(deps: InvestigateDeps): Promise<InvestigateResult> {
  const result: InvestigateResult = { investigation: 'none', incidents: [], costUsd: 0, retries: [] };
  let calledClaude = false;
  for (const item of deps.state.dueInvestigations(deps.ignoreBackoff ? Number.MAX_SAFE_INTEGER : deps.now())) {
    if (deps.onlyKind !== undefined && item.kind !== deps.onlyKind) continue;
    if (item.state === 'writing') {
      result.incidents.push(finishWriting(deps, item));
      continue;
    }
    const queued = readSubject(item);
    let diagnosis: Diagnosis | null = null;
    const claude = deps.claude;
    const refusal = 'runner' in claude ? budgetCheck(deps) : null;
    if (item.attempts >= deps.config.investigate.max_attempts) {
      // Every attempt was claimed and none came back: the process died during each Claude call.
      const reason = item.errors.at(-1) ?? 'the process was stopped during each Claude call';
      diagnosis = await fallback(deps, queued, { kind: 'failed', attempts: item.attempts, reason });
    } else if ('unavailable' in claude || refusal) {
      diagnosis = await fallback(deps, queued, 'unavailable' in claude ? claude.unavailable : { kind: 'over_budget', detail: refusal! });
    } else if (calledClaude) {
      if (result.investigation === 'none') result.investigation = 'queued';
      continue;
    } else {
      calledClaude = true;
      const attempts = item.attempts + 1;
      deps.state.claimAttempt(item.id, deps.now() + retryDelay(attempts));
      const outcome = await askClaude(deps, claude.runner, claude.tools, queued);
      result.costUsd += outcomeCost(outcome);
      const answer = outcome.kind === 'ok' ? parseAnswer(outcome.answer) : null;
      if (outcome.kind === 'ok' && answer?.ok) {
        diagnosis = {
          kind: 'claude',
          answer: answer.answer,
          run: { model: deps.config.claude.model, numTurns: outcome.numTurns, costUsd: outcome.costUsd, durationMs: outcome.durationMs, toolCalls: outcome.toolCalls },
        };
      } else {
        const reason = outcome.kind === 'ok' ? `the answer did not fit the schema: ${answer && !answer.ok ? answer.reason : ''}` : outcome.reason;
        if (attempts < deps.config.investigate.max_attempts) {
          deps.state.recordFailure(item.id, reason, deps.now() + retryDelay(attempts));
          result.retries.push(`attempt ${attempts} of ${deps.config.investigate.max_attempts} failed: ${reason}`);
          result.investigation = 'queued';
          continue;
        }
        deps.state.recordFailure(item.id, reason, deps.now());
        diagnosis = await fallback(deps, queued, { kind: 'failed', attempts, reason });
        item.errors.push(reason);
      }
    }
    const incidentPath = writeIncident(deps, item, queued, diagnosis);
    result.incidents.push(incidentPath);
    if (diagnosis.kind === 'claude') deps.onDiagnosed?.(incidentPath, queued, diagnosis.answer);
    if (diagnosis.kind === 'claude') result.investigation = 'claude';
    else if (result.investigation !== 'claude') result.investigation = 'fallback';
  }
  return result;
}

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

async function askClaude(deps: InvestigateDeps, runner: ClaudeRunner, tools: PromptTool[], queued: QueuedSubject): Promise<ClaudeOutcome> {
  const template = deps.promptTemplate(queued.kind);
  const prompt =
    queued.kind === 'health'
      ? renderHealthPrompt({ template, subject: queued.subject, tools })
      : renderInvestigationPrompt({ template, groups: queued.subject.groups, tools, window: queued.subject.window });
  const callId = deps.state.startClaudeCall(deps.now());
  const outcome = await runner.investigate({ prompt, jsonSchema: answerJsonSchema, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) });
  deps.state.finishClaudeCall(callId, {
    outcome: outcome.kind,
    // A timed-out call's cost is unknown; it still counts as a call against the daily limit.
    costUsd: outcomeCost(outcome),
    numTurns: outcome.kind === 'timeout' ? null : outcome.numTurns,
    durationMs: outcome.durationMs,
    subtype: outcome.kind === 'timeout' ? 'timeout' : outcome.subtype,
    permissionDenials: outcome.permissionDenials,
  });
  return outcome;
}

const outcomeCost = (outcome: ClaudeOutcome) => (outcome.kind === 'timeout' ? 0 : (outcome.costUsd ?? 0));

async function fallback(deps: InvestigateDeps, queued: QueuedSubject, why: NoDiagnosis): Promise<Diagnosis> {
  return { kind: 'fallback', why, analyses: await deps.fallbackAnalyses(queued) };
}
