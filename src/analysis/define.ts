import * as z from '../core/zod.js';
import type { StateStore } from '../core/state-store.js';
import type { Config } from '../core/config.js';
import { formatIssue } from '../core/config.js';
import type { ChartSeries } from '../core/health.js';
import type { Redactor } from '../core/redact.js';
import type { Clock } from '../core/types.js';
import type { LogRows } from './log-rows.js';
import { capOutput } from './render.js';

/** What an analysis may read. All of it is opened read-only by whoever runs the analysis. */
export interface AnalysisDeps {
  config: Config;
  state: StateStore;
  logs: LogRows;
  redactor: Redactor;
  clock: Clock;
}

/** `rejected`: the arguments named nothing that exists; the text says what to ask instead.
 * `series`: the judged series behind the text, for `analyze --json/--svg` and `sentinel health`. */
export type AnalysisResult = { kind: 'ok'; text: string; truncated: boolean; series?: ChartSeries[] } | { kind: 'rejected'; text: string };

export interface Analysis {
  name: string;
  description: string;
  /** A strict zod object: the MCP server advertises it as the tool's JSON schema. */
  inputSchema: z.ZodObject;
  /** Validates `args` against `inputSchema` first, whoever calls (MCP, `sentinel analyze`, scripts).
   * Async: some wait on something (a CPU sample, an operator's script). */
  run(args: unknown, deps: AnalysisDeps): Promise<AnalysisResult>;
}

export function defineAnalysis<S extends z.ZodObject>(spec: {
  name: string;
  description: string;
  inputSchema: S;
  run(args: z.infer<S>, deps: AnalysisDeps): AnalysisResult | Promise<AnalysisResult>;
}): Analysis {
  return {
    ...spec,
    async run(args, deps) {
      const parsed = spec.inputSchema.safeParse(args ?? {});
      if (!parsed.success)
        return {
          kind: 'rejected',
          text: `invalid arguments: ${parsed.error.issues.map((issue) => formatIssue(issue, spec.inputSchema)).join('; ')}`,
        };
      const result = await spec.run(parsed.data, deps);
      if (result.kind !== 'ok') return result;
      const capped = capOutput(result.text); // the bound holds for every analysis, present and future
      return { ...result, text: capped.text, truncated: result.truncated || capped.truncated };
    },
  };
}

/** Fingerprints are short tokens; anything else is refused before it reaches a query. */
export const fingerprintArg = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'a fingerprint is 1–64 letters, digits, ".", "_" or "-" (as shown in the prompt)');

export const unknownGroup = (fingerprint: string): AnalysisResult => ({
  kind: 'rejected',
  text: `no error group with fingerprint ${fingerprint}: use a fingerprint named in the prompt`,
});
