// What an investigation is about and what it concluded: the domain types the queue, the stages and
// the incident renderers share.
import type { Answer } from './answer.js';
import type { HealthSubject } from './health.js';
import type { TriggeredGroup } from './prompt.js';

/** What a queued investigation is about, stored as JSON in the queue when the run commits. */
export interface InvestigationSubject {
  window: { from: number; to: number };
  groups: TriggeredGroup[];
  /** Each group's hourly rate when queued: the next cooldown compares against it. */
  rates: Record<string, number>;
}

/** A queued item's subject, by the item's kind: error groups, or concerning health series. */
export type QueuedSubject = { kind: 'incident'; subject: InvestigationSubject } | { kind: 'health'; subject: HealthSubject };

/** `pending`: the deterministic report went out, Claude's diagnosis is still to come. */
export type InvestigationKind = 'claude' | 'fallback' | 'pending' | 'queued' | 'none';

/** What the file is about: error groups, or concerning health series; it names the file. */
export type ReportKind = 'incident' | 'health';

/** The runner's record of one tool call (see adapters/claude-runner.ts). */
export interface ToolCallRecord {
  name: string;
  input: unknown;
  isError: boolean;
}

export type NoDiagnosis =
  | { kind: 'disabled' }
  | { kind: 'unavailable'; detail: string }
  | { kind: 'over_budget'; detail: string }
  | { kind: 'failed'; attempts: number; reason: string }
  /** Claude has not answered yet and will be asked again: the file is updated in place when it does. */
  | { kind: 'pending'; reason: string }
  /** A subscription's usage limit: no Claude call until `until` (epoch ms). */
  | { kind: 'usage_limit'; until: number };

export type Diagnosis =
  | {
      kind: 'claude';
      answer: Answer;
      /** costIsEstimate: on a subscription the CLI's dollar figure is an API-equivalent estimate, not money spent. */
      run: { model: string; numTurns: number; costUsd: number; durationMs: number; toolCalls: ToolCallRecord[]; costIsEstimate?: boolean };
    }
  | { kind: 'fallback'; why: NoDiagnosis; analyses: { tool: string; text: string }[] };
