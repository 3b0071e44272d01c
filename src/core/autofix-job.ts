import * as z from './zod.js';
import type { Answer } from './answer.js';
import type { TriggeredGroup } from './prompt.js';

/** The fixing run's structured answer: the model reports, sentinel decides. */
export const fixAnswerSchema = z.object({
  outcome: z.enum(['fixed', 'gave_up']).describe('fixed: you changed files to fix the cause; gave_up: no small, safe change fixes it'),
  summary: z.string().min(1).max(1500).describe('What you changed and why it fixes the error, or why you gave up'),
  fix_kind: z.enum(['root_cause', 'defensive']).describe('root_cause: removes the cause; defensive: guards against its effect'),
  files: z.array(z.string().min(1).max(300)).max(20).describe('The files you changed, relative to the repository root'),
  risk: z.enum(['low', 'medium', 'high']).describe('How likely the change breaks something else'),
  risk_note: z.string().max(500).describe('The riskiest assumption the change makes'),
});
export type FixAnswer = z.infer<typeof fixAnswerSchema>;

export const fixAnswerJsonSchema: Record<string, unknown> = (({ $schema, ...schema }) => schema)(z.toJSONSchema(fixAnswerSchema));

/** One run of the project's tests, as recorded for the incident and the PR. */
export interface TestRun {
  outcome: 'passed' | 'failed' | 'timed_out' | 'error';
  exitCode: number | null;
  durationMs: number;
  /** The last lines of its output, redacted. */
  tail: string;
}

/** A job's persisted data: what each step found, so a resumed job repeats nothing that was done. */
export interface AutofixJobData {
  /** The diagnosis and the group it is about, as the investigation left them (already redacted). */
  answer: Answer;
  group: TriggeredGroup;
  force: boolean;
  baseSha?: string;
  defaultBranch?: string;
  /** Of the clone's .git/config right after cloning: the edit must not have changed it. */
  gitConfigSha?: string;
  fix?: FixAnswer;
  claude?: { costUsd: number; durationMs: number; numTurns: number | null; permissionDenials: string[] };
  diff?: { files: string[]; added: number; removed: number; patch: string };
  commitSha?: string;
  tests?: { base: TestRun; fix: TestRun } | { notRun: string };
  branch?: string;
  /** How many branch names were taken already (`-2`, `-3` …). */
  branchAttempt?: number;
  pr?: { kind: 'draft'; url: string; number: number } | { kind: 'branch_only'; compareUrl: string; reason: string };
  forgeRetries?: number;
}
