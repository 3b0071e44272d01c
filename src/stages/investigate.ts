import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClaudeOutcome, ClaudeRunner } from '../adapters/claude-runner.js';
import type { IncidentWriter } from '../adapters/incident-writer.js';
import type { QueuedInvestigation, StateStore } from '../adapters/state-store.js';
import { answerJsonSchema, parseAnswer } from '../core/answer.js';
import { incidentFileName, renderIncident, summariseIncident, type Diagnosis, type IncidentInput, type NoDiagnosis } from '../core/incident.js';
import { budgetRefusal, retryDelay, startOfUtcDay } from '../core/investigation-policy.js';
import type { Notification } from '../core/notification.js';
import { renderInvestigationPrompt, type PromptTool, type TriggeredGroup } from '../core/prompt.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { Config } from '../core/config.js';

/** What a queued investigation is about, stored as JSON in the queue when the run commits. */
export interface InvestigationSubject {
  window: { from: number; to: number };
  groups: TriggeredGroup[];
  /** Each group's hourly rate when queued: the next cooldown compares against it. */
  rates: Record<string, number>;
}

export type InvestigationKind = 'claude' | 'fallback' | 'queued' | 'none';

export interface InvestigateResult {
  investigation: InvestigationKind;
  incidents: string[];
  costUsd: number;
  /** Failed attempts that will be retried, one line each. */
  retries: string[];
}

export interface InvestigateDeps {
  config: Config;
  state: StateStore;
  writer: IncidentWriter;
  incidentsDir: string;
  /** Null: Claude cannot be used this run, for this reason. */
  claude: { runner: ClaudeRunner; tools: PromptTool[] } | { unavailable: NoDiagnosis };
  promptTemplate: string;
  /** Raw output of the curated analyses, for fallback reports. */
  fallbackAnalyses(subject: InvestigationSubject): { tool: string; text: string }[];
  channels: string[];
  now: () => number;
  /** `--retry-now`: take queued investigations whatever their backoff. */
  ignoreBackoff: boolean;
  onProgress?: (progress: { elapsedMs: number; toolCalls: number }) => void;
}

/** Works through the queue: at most one Claude call a run (each may take minutes), fallbacks and
 * unfinished writes for the rest. A failure to write an incident stops the run loudly; the queue
 * keeps the groups for the next one. */
export async function investigateQueue(deps: InvestigateDeps): Promise<InvestigateResult> {
  const result: InvestigateResult = { investigation: 'none', incidents: [], costUsd: 0, retries: [] };
  let calledClaude = false;
  for (const item of deps.state.dueInvestigations(deps.ignoreBackoff ? Number.MAX_SAFE_INTEGER : deps.now())) {
    if (item.state === 'writing') {
      result.incidents.push(finishWriting(deps, item));
      continue;
    }
    const subject = JSON.parse(item.subject) as InvestigationSubject;
    let diagnosis: Diagnosis | null = null;
    const claude = deps.claude;
    const refusal = 'runner' in claude ? budgetCheck(deps) : null;
    if ('unavailable' in claude || refusal) {
      diagnosis = fallback(deps, subject, 'unavailable' in claude ? claude.unavailable : { kind: 'over_budget', detail: refusal! });
    } else if (calledClaude) {
      if (result.investigation === 'none') result.investigation = 'queued';
      continue;
    } else {
      calledClaude = true;
      const outcome = await askClaude(deps, claude.runner, claude.tools, subject);
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
        const attempts = item.attempts + 1;
        if (attempts < deps.config.investigate.max_attempts) {
          deps.state.failAttempt(item.id, reason, deps.now() + retryDelay(attempts));
          result.retries.push(`attempt ${attempts} of ${deps.config.investigate.max_attempts} failed: ${reason}`);
          result.investigation = 'queued';
          continue;
        }
        deps.state.failAttempt(item.id, reason, deps.now());
        diagnosis = fallback(deps, subject, { kind: 'failed', attempts, reason });
        item.errors.push(reason);
      }
    }
    result.incidents.push(writeIncident(deps, item, subject, diagnosis));
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

async function askClaude(deps: InvestigateDeps, runner: ClaudeRunner, tools: PromptTool[], subject: InvestigationSubject): Promise<ClaudeOutcome> {
  const prompt = renderInvestigationPrompt({ template: deps.promptTemplate, groups: subject.groups, tools, window: subject.window });
  const outcome = await runner.investigate({ prompt, jsonSchema: answerJsonSchema, ...(deps.onProgress ? { onProgress: deps.onProgress } : {}) });
  deps.state.recordClaudeCall({
    at: deps.now(),
    outcome: outcome.kind,
    // A timed-out call's cost is unknown; it still counts as a call against the daily limit.
    costUsd: outcomeCost(outcome),
    numTurns: outcome.kind === 'timeout' ? null : outcome.numTurns,
    durationMs: outcome.durationMs,
    subtype: outcome.kind === 'timeout' ? 'timeout' : outcome.subtype,
  });
  return outcome;
}

const outcomeCost = (outcome: ClaudeOutcome) => (outcome.kind === 'timeout' ? 0 : (outcome.costUsd ?? 0));

function fallback(deps: InvestigateDeps, subject: InvestigationSubject, why: NoDiagnosis): Diagnosis {
  return { kind: 'fallback', why, analyses: deps.fallbackAnalyses(subject) };
}

/** Renders and keeps the report in the queue (step 1), writes the file (2), then marks it done and
 * queues its notifications in one transaction (3). A crash anywhere repeats at most step 2's write,
 * which `finishWriting` recognises. */
function writeIncident(deps: InvestigateDeps, item: QueuedInvestigation, subject: InvestigationSubject, diagnosis: Diagnosis): string {
  const input: IncidentInput = {
    kind: item.kind === 'health' ? 'health' : 'incident',
    id: `${item.kind}-${item.id}`,
    created: deps.now(),
    groups: subject.groups,
    window: subject.window,
    diagnosis,
    earlierFailures: item.errors,
    costUsd: diagnosis.kind === 'claude' ? diagnosis.run.costUsd : 0,
  };
  const summary = summariseIncident(input);
  const fileName = incidentFileName(input.kind, input.created, summary.title);
  const report = renderIncident(input);
  const notification: Notification = {
    title: summary.title,
    message: notificationText(diagnosis, subject, summary.title),
    severity: summary.severity,
    tags: [summary.verdict, ...new Set(subject.groups.map((g) => g.trigger ?? 'seen'))],
  };
  deps.state.reserveIncident(item.id, fileName, JSON.stringify({ report, notification }));
  return finishWriting(deps, { ...item, state: 'writing', incidentPath: fileName, report: JSON.stringify({ report, notification }) });
}

function finishWriting(deps: InvestigateDeps, item: QueuedInvestigation): string {
  const { report, notification } = JSON.parse(item.report!) as { report: string; notification: Notification };
  const fileName = item.incidentPath!;
  const path = findWritten(deps.incidentsDir, fileName, report) ?? write(deps, fileName, report);
  const file = path.slice(path.lastIndexOf('/') + 1);
  deps.state.completeInvestigation(
    item.id,
    deps.now(),
    deps.channels.map((channel) => ({ channel, payload: JSON.stringify({ ...notification, file, message: `${notification.message}\n\n${file}` }) })),
    Object.entries((JSON.parse(item.subject) as InvestigationSubject).rates).map(([fingerprint, rate]) => ({ fingerprint, rate })),
  );
  return path;
}

function write(deps: InvestigateDeps, fileName: string, report: string): string {
  const written = deps.writer.write(fileName, report);
  if (written.kind === 'failed') {
    throw new SentinelError(`cannot write the incident to ${deps.incidentsDir}: ${written.reason} (kept in the queue for the next run)`, ExitCode.internal);
  }
  return written.path;
}

/** The file an interrupted earlier write left, if it is there whole: `name.md`, `name-2.md` … */
function findWritten(dir: string, fileName: string, report: string): string | null {
  if (!existsSync(dir)) return null;
  const stem = fileName.replace(/\.md$/, '');
  for (const name of readdirSync(dir)) {
    if (name !== fileName && !(name.startsWith(`${stem}-`) && /^-\d+\.md$/.test(name.slice(stem.length)))) continue;
    const path = join(dir, name);
    if (readFileSync(path, 'utf8') === report) return path;
  }
  return null;
}

/** Summary, the first actions, then the file name: what fits on a lock screen. */
function notificationText(diagnosis: Diagnosis, subject: InvestigationSubject, title: string): string {
  const rows = subject.groups.reduce((sum, g) => sum + g.count, 0);
  const counts = `${rows} rows in ${subject.groups.length} group${subject.groups.length === 1 ? '' : 's'}`;
  if (diagnosis.kind === 'claude') {
    const actions = diagnosis.answer.actions.slice(0, 3).map((a) => `- ${a}`);
    return [diagnosis.answer.summary, ...(actions.length ? ['', '**Next:**', ...actions] : []), '', counts].join('\n');
  }
  return `${title}\n\nNo diagnosis (${diagnosis.why.kind.replace('_', ' ')}): ${counts}; the report has the raw analyses.`;
}
