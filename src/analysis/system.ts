import * as z from '../core/zod.js';
import { sampleSystemNow } from '../adapters/system-probe.js';
import { judgeSystem } from '../core/system-health.js';
import { defineAnalysis } from './define.js';
import { renderSeries } from './render-series.js';

const HOUR = 3_600_000;

export const systemAnalysis = defineAnalysis({
  name: 'system',
  description:
    'The machine now: load vs cores, CPU busy, memory available, disk and inode use of the configured mounts, ' +
    'a disk-full forecast, each judged against the samples sentinel records once per run (hard thresholds: ' +
    'disk or inodes > 90 %, memory available < 5 %, 15-minute load > 2x cores).',
  inputSchema: z.strictObject({
    hours: z.number().int().min(1).max(720).default(168).describe('hours of recorded samples to judge against, 1–720 (default 168)'),
  }),
  async run({ hours }, { config, state, clock }) {
    const { sample, problems } = await sampleSystemNow(config.system.mounts, clock);
    const history = state.systemSamplesSince(sample.at - hours * HOUR);
    const judged = judgeSystem(history, sample);
    const out = [judged.summary, '', ...judged.details.map((d) => `- ${d}`)];
    for (const problem of problems) out.push(`- unreadable mount ${problem}`);
    if (judged.concerns.length > 1) out.push('', 'Concerns:', ...judged.concerns.map((c) => `- ${c}`));
    if (history.length === 0) out.push('', 'No recorded samples yet to judge trends against: each `sentinel run` records one.');
    else
      out.push(
        '',
        `Series over the last ${hours} h (${history.length} recorded samples):`,
        ...judged.series.flatMap((s) => renderSeries(s, 3)),
      );
    return { kind: 'ok', text: out.join('\n'), truncated: false, series: judged.series };
  },
});
