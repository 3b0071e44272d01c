import type { ClaudeOutcome, ClaudeRunner } from '../adapters/claude-runner.js';
import type { QueuedInvestigation } from '../adapters/state-store.js';
import { answerJsonSchema, parseAnswer } from '../core/answer.js';
import type { Config } from '../core/config.js';
import type { HealthSubject } from '../core/health.js';
import { renderHealthPrompt } from '../core/health-prompt.js';
import type { Diagnosis, NoDiagnosis, ReportKind } from '../core/incident.js';
import { budgetRefusal, retryDelay, startOfUtcDay } from '../core/investigation-policy.js';
import { formatUtc, renderInvestigationPrompt, type PromptTool, type TriggeredGroup } from '../core/prompt.js';
import { finishWriting, writeIncident, type IncidentFileDeps } from './incident-files.js';
import type { InvestigationContext } from './investigation-context.js';

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
  /** The code, the team's files and the memory for an error investigation (stages/investigation-context.ts). */
  context?: (subject: InvestigationSubject) => Promise<InvestigationContext>;
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
    // Gathered once, and only for an item that is asked about or written now (it reads files and runs git).
    let context: InvestigationContext | null | undefined;
    const contextOf = async () => (context ??= queued.kind === 'incident' && deps.context ? await deps.context(queued.subject) : null);
    let diagnosis: Diagnosis | null = null;
    const claude = deps.claude;
    const refusal = 'runner' in claude ? budgetCheck(deps) : null;
    const pausedUntil = 'runner' in claude ? usageLimitUntil(deps) : null;
    if (item.attempts >= deps.config.investigate.max_attempts) {
      // Every attempt was claimed and none came back: the process died during each Claude call.
      const reason = item.errors.at(-1) ?? 'the process was stopped during each Claude call';
      diagnosis = await fallback(deps, queued, { kind: 'failed', attempts: item.attempts, reason });
    } else if ('unavailable' in claude || refusal || pausedUntil !== null) {
      const why: NoDiagnosis =
        'unavailable' in claude ? claude.unavailable : pausedUntil !== null ? { kind: 'usage_limit', until: pausedUntil } : { kind: 'over_budget', detail: refusal! };
      diagnosis = await fallback(deps, queued, why);
    } else if (calledClaude) {
      if (result.investigation === 'none') result.investigation = 'queued';
      continue;
    } else {
      calledClaude = true;
      const attempts = item.attempts + 1;
      deps.state.claimAttempt(item.id, deps.now() + retryDelay(attempts));
      const outcome = await askClaude(deps, claude.runner, claude.tools, queued, await contextOf());
      result.costUsd += outcomeCost(outcome);
      const answer = outcome.kind === 'ok' ? parseAnswer(outcome.answer) : null;
      if (outcome.kind === 'ok' && answer?.ok) {
        diagnosis = {
          kind: 'claude',
          answer: answer.answer,
          run: {
            model: deps.config.claude.model,
            numTurns: outcome.numTurns,
            costUsd: outcome.costUsd,
            durationMs: outcome.durationMs,
            toolCalls: outcome.toolCalls,
            ...(claude.costIsEstimate ? { costIsEstimate: true } : {}),
          },
        };
      } else if (outcome.kind === 'usage_limit') {
        // A state, not a failure: no call can succeed before the reset, so none is made until then.
        const until = outcome.resetsAt ?? deps.now() + USAGE_LIMIT_DEFAULT_PAUSE_MS;
        deps.state.setMeta(PAUSE_KEY, String(until));
        deps.state.addWarning(deps.now(), 'claude_usage_limit', `subscription usage limit reached (${outcome.reason}); no Claude call until ${formatUtc(until)}`);
        diagnosis = await fallback(deps, queued, { kind: 'usage_limit', until });
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
    result.incidents.push(writeIncident(deps, item, queued, diagnosis, (await contextOf())?.code ?? []));
    if (diagnosis.kind === 'claude') result.investigation = 'claude';
    else if (result.investigation !== 'claude') result.investigation = 'fallback';
  }
  return result;
}

/** The state key under which a subscription's usage limit is remembered (epoch ms of its reset). */
export const PAUSE_KEY = 'claude_paused_until';
const USAGE_LIMIT_DEFAULT_PAUSE_MS = 3_600_000; // the CLI named no reset time

/** The reset time of a usage limit still in force, else null. */
export function usageLimitUntil(deps: Pick<InvestigateDeps, 'state' | 'now'>): number | null {
  const until = Number(deps.state.getMeta(PAUSE_KEY));
  return Number.isFinite(until) && until > deps.now() ? until : null;
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

async function askClaude(deps: InvestigateDeps, runner: ClaudeRunner, tools: PromptTool[], queued: QueuedSubject, context: InvestigationContext | null): Promise<ClaudeOutcome> {
  const template = deps.promptTemplate(queued.kind);
  const prompt =
    queued.kind === 'health'
      ? renderHealthPrompt({ template, subject: queued.subject, tools })
      : renderInvestigationPrompt({ template, groups: queued.subject.groups, tools, window: queued.subject.window, ...context });
  const callId = deps.state.startClaudeCall(deps.now());
  const outcome = await runner.investigate({ prompt, jsonSchema: answerJsonSchema, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) });
  deps.state.finishClaudeCall(callId, {
    outcome: outcome.kind,
    // A timed-out call's cost is unknown; it still counts as a call against the daily limit.
    costUsd: outcomeCost(outcome),
    numTurns: outcome.kind === 'timeout' || outcome.kind === 'usage_limit' ? null : outcome.numTurns,
    durationMs: outcome.durationMs,
    subtype: outcome.kind === 'timeout' || outcome.kind === 'usage_limit' ? outcome.kind : outcome.subtype,
    permissionDenials: outcome.permissionDenials,
  });
  return outcome;
}

const outcomeCost = (outcome: ClaudeOutcome) => (outcome.kind === 'timeout' || outcome.kind === 'usage_limit' ? 0 : (outcome.costUsd ?? 0));

async function fallback(deps: InvestigateDeps, queued: QueuedSubject, why: NoDiagnosis): Promise<Diagnosis> {
  return { kind: 'fallback', why, analyses: await deps.fallbackAnalyses(queued) };
}
