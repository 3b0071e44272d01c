import type { z } from 'zod';
import { formatIssue } from '../core/config.js';
import type { Judgement, SeriesPoint } from '../core/judge.js';
import type { Analysis, AnalysisDeps, AnalysisResult } from './define.js';
import { capOutput } from './render.js';

/** A judged series behind an analysis' text: `sentinel analyze --json` and `--svg` use it. */
export interface ChartSeries {
  name: string;
  unit?: string;
  limit?: number;
  points: SeriesPoint[];
  judgement: Judgement;
}

export type HealthResult = AnalysisResult | { kind: 'ok'; text: string; truncated: boolean; series: ChartSeries[] };

/** An analysis that waits on something (a CPU sample, an operator's script): `run` is async. */
export interface HealthAnalysis extends Omit<Analysis, 'run'> {
  run(args: unknown, deps: AnalysisDeps): Promise<HealthResult>;
}

/** As `defineAnalysis`: arguments validated first, the text capped at 8 KB whoever calls. */
export function defineHealthAnalysis<S extends z.ZodObject>(spec: {
  name: string;
  description: string;
  inputSchema: S;
  run(args: z.infer<S>, deps: AnalysisDeps): HealthResult | Promise<HealthResult>;
}): HealthAnalysis {
  return {
    ...spec,
    async run(args, deps) {
      const parsed = spec.inputSchema.safeParse(args ?? {});
      if (!parsed.success) return { kind: 'rejected', text: `invalid arguments: ${parsed.error.issues.map(formatIssue).join('; ')}` };
      const result = await spec.run(parsed.data, deps);
      if (result.kind !== 'ok') return result;
      const capped = capOutput(result.text);
      return { ...result, text: capped.text, truncated: result.truncated || capped.truncated };
    },
  };
}
