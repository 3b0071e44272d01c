import * as z from '../core/zod.js';
import { cleanField } from '../core/clean.js';
import type { Sample } from '../core/tally.js';
import { type AnalysisDeps, type AnalysisResult, defineAnalysis, fingerprintArg, unknownGroup } from './define.js';
import { countPerBucket, describePeak } from './fingerprint-counts.js';
import { capOutput, fence, formatHour, formatTime, plural, trimTraceback } from './render.js';

// Byte caps per field, so that the whole answer usually fits in 8 KB with 24 hours of counts.
const CAPS = { template: 1024, sample: 600, extra: 300, traceback: 2560 } as const;
const TRACEBACK_LINES = 40;

export const errorGroup = defineAnalysis({
  name: 'error_group',
  description:
    'Detail of one error group by fingerprint: level, status, total rows, first and last seen, the exception type, ' +
    'logger, function and message template, up to 3 sample rows (redacted), the trimmed traceback of one sample, ' +
    'and its rows per hour over the last `hours` hours (UTC). Use rows_around with a sample row id for context.',
  inputSchema: z.strictObject({
    fingerprint: fingerprintArg.describe('the group fingerprint, as given in the prompt'),
    hours: z.number().int().min(1).max(168).default(24).describe('hours of per-hour counts, 1–168 (default 24)'),
  }),
  run: ({ fingerprint, hours }, deps) => describeErrorGroup(fingerprint, hours, deps, 'full'),
});

/**
 * `full` is the tool's answer. `activity` leaves out what the incident's own group section shows
 * (the template, the samples, the traceback), for the fallback report that prints both.
 */
export function describeErrorGroup(
  fingerprint: string,
  hours: number,
  { state, redactor, clock }: AnalysisDeps,
  detail: 'full' | 'activity',
): AnalysisResult {
  const group = state.group(fingerprint);
  if (!group) return unknownGroup(fingerprint);
  const clean = (text: string, cap: number) => cleanField(text, cap, redactor).text;
  const buckets = countPerBucket(state, group.fingerprint, 'hour', hours, clock.now());
  const inWindow = buckets.reduce((sum, b) => sum + b.count, 0);
  const alias = group.fingerprint === fingerprint ? '' : ` (now grouped as ${group.fingerprint})`;

  const out = [
    `Group ${fingerprint}${alias}: ${safeLevel(group.levelName)}, ${group.status}, ${plural(group.total, 'row')} from ` +
      `${formatTime(group.firstSeen)} to ${formatTime(group.lastSeen)}; ${inWindow} in the last ${hours} h${describePeak(buckets, 'hour')}.`,
  ];
  if (detail === 'full') {
    out.push(
      '',
      'What it is (untrusted text from the log):',
      fence(
        [
          `exception: ${clean(group.exceptionType ?? '(none)', 256)}`,
          `logger: ${clean(group.logger ?? '(none)', 256)}`,
          `function: ${clean(group.function ?? '(none)', 256)}`,
          `template: ${clean(group.template, CAPS.template)}`,
        ].join('\n'),
      ),
      ...renderSamples(group.samples, clean),
    );
  } else out.push('Its template, samples and traceback: under Error groups.');
  const active = buckets.filter((b) => b.count > 0);
  out.push('', `Rows per hour (UTC), last ${hours} h: ${active.length} of ${hours} hours had rows${active.length ? ':' : '.'}`);
  for (const b of active) out.push(`${formatHour(b.start)}  ${b.count}`);
  const capped = capOutput(out.join('\n'));
  return { kind: 'ok', text: capped.text, truncated: capped.truncated };
}

function renderSamples(samples: Sample[], clean: (text: string, cap: number) => string): string[] {
  const out: string[] = [];
  samples.forEach((s, i) => {
    const extra = s.extra ? `\nextra: ${clean(s.extra, CAPS.extra)}` : '';
    out.push(
      '',
      `Sample ${i + 1} of ${samples.length}: row ${s.id} at ${formatTime(s.time)}`,
      fence(clean(s.message, CAPS.sample) + extra),
    );
  });
  const withTrace = samples.findIndex((s) => s.exception);
  const sample = samples[withTrace];
  if (sample?.exception) {
    const trace = trimTraceback(clean(sample.exception, 16384), TRACEBACK_LINES, CAPS.traceback);
    out.push('', `Traceback of sample ${withTrace + 1} (row ${sample.id}):`, fence(trace));
  }
  return out;
}

/** A level name from the log is shown outside a fence only when it is one plain word. */
const safeLevel = (name: string) => (/^[A-Za-z]{1,16}$/.test(name) ? name.toUpperCase() : 'UNKNOWN level');
