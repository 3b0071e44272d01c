import * as z from '../core/zod.js';
import { cleanRow } from '../core/clean.js';
import { truncateMiddleUtf8Bytes, utf8Bytes } from '../core/text.js';
import { levelName } from '../core/levels.js';
import type { Redactor } from '../core/redact.js';
import type { LogRow } from '../core/types.js';
import { defineAnalysis } from './define.js';
import { CUT_NOTE, fence, formatTime, OUTPUT_CAP, plural, trimTraceback } from './render.js';

// The row asked about is shown in full (within reason); its neighbours are context, so shorter.
const TARGET = { message: 2048, tracebackLines: 30, traceback: 2048, extra: 512 } as const;
const NEIGHBOUR = { message: 512, tracebackLines: 3, traceback: 300 } as const;
/** Room kept for the summary line and the cut note. */
const RESERVED = 600;

export const rowsAround = defineAnalysis({
  name: 'rows_around',
  description:
    'The rows of ALL levels (INFO and DEBUG too) logged just before and after one row of the log database, in id order, ' +
    'cleaned and redacted: what the app was doing when it failed. Row ids come from error_group samples.',
  inputSchema: z.strictObject({
    id: z.number().int().positive().describe('the log row id, e.g. a sample row of error_group'),
    before: z.number().int().min(0).max(50).default(10).describe('rows before it, 0–50 (default 10)'),
    after: z.number().int().min(0).max(50).default(10).describe('rows after it, 0–50 (default 10)'),
  }),
  async run({ id, before, after }, { logs, redactor }) {
    const found = await logs.around(id, before, after);
    if (!found) return { kind: 'rejected', text: `no row with id ${id} in the log database (its ids go up to ${await logs.maxId()})` };
    const rows = [...found.before, found.target, ...found.after].map((row) => ({
      row,
      block: renderRow(row, row.id === id, redactor),
    }));
    const targetAt = found.before.length;
    const shown = pickNearest(
      rows.map((r) => utf8Bytes(r.block) + 2),
      targetAt,
      OUTPUT_CAP - RESERVED,
    );
    const kept = rows.slice(shown.from, shown.to);
    const left = rows.length - kept.length;
    const first = kept[0]!.row.id;
    const last = kept[kept.length - 1]!.row.id;
    const summary =
      `Row ${id} (${describeLevel(found.target)} at ${formatTime(found.target.time)}): ` +
      `${plural(targetAt - shown.from, 'row')} before and ${shown.to - targetAt - 1} after it, ids ${first}–${last}; ${countLevels(kept.map((r) => r.row))}.` +
      (left > 0 ? ` ${left} more rows were left out to stay within 8 KB.` : '');
    const text = [summary, ...kept.map((r) => r.block)].join('\n\n');
    return { kind: 'ok', text: left > 0 ? `${text}\n\n${CUT_NOTE}` : text, truncated: left > 0 };
  },
});

function renderRow(raw: LogRow, isTarget: boolean, redactor: Redactor): string {
  const { row } = cleanRow(raw, redactor);
  const caps = isTarget ? TARGET : NEIGHBOUR;
  const where = [row.logger, row.function, row.line].filter((part) => part !== null).join(':');
  const lines = [`${row.levelName} ${where}`.trim(), truncateMiddleUtf8Bytes(row.message, caps.message)];
  if (row.exception) lines.push(trimTraceback(row.exception, caps.tracebackLines, caps.traceback));
  if (isTarget && row.extra) lines.push(`extra: ${truncateMiddleUtf8Bytes(row.extra, TARGET.extra)}`);
  const header = isTarget ? `▶ row ${row.id} at ${formatTime(row.time)} (the row asked about)` : `row ${row.id} at ${formatTime(row.time)}`;
  return `${header}\n${fence(lines.join('\n'))}`;
}

/** The target plus its nearest neighbours, alternating sides, while their sizes fit the budget:
 * when the answer must be cut, the rows far from the failure go first. */
function pickNearest(sizes: number[], target: number, budget: number): { from: number; to: number } {
  let from = target;
  let to = target + 1;
  let used = sizes[target]!;
  for (let step = 0; from > 0 || to < sizes.length; step++) {
    const takeBefore = (step % 2 === 0 && from > 0) || to >= sizes.length;
    const size = sizes[takeBefore ? from - 1 : to]!;
    if (used + size > budget) break;
    used += size;
    if (takeBefore) from--;
    else to++;
  }
  return { from, to };
}

const describeLevel = (row: LogRow) => (row.levelNo > 0 ? levelName(row.levelNo) : 'unknown level');

function countLevels(rows: LogRow[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(describeLevel(row), (counts.get(describeLevel(row)) ?? 0) + 1);
  return [...counts].map(([level, n]) => `${n} ${level}`).join(', ');
}
