import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createCsvSeriesReader, formatTimestamp, type CsvColumnsResult, type TimestampFormat } from '../core/csv-series.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { judgeColumns } from '../core/judge.js';
import type { Flag } from '../core/judge-types.js';
import { renderSparkline } from '../core/sparkline.js';
import type { CommandContext } from '../core/types.js';

export interface JudgeCommandOptions {
  csv: string;
  json?: boolean;
}

const CHUNK_BYTES = 1 << 20;

/** Reads the file a chunk at a time into the reader; a FIFO or a device is refused, not waited on
 * or read without end. */
function readRegularFile(file: string, shown: string): CsvColumnsResult {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) throw new SentinelError(`${shown}: not a regular file`, ExitCode.usage);
    const reader = createCsvSeriesReader();
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) {
      const error = reader.write(chunk.subarray(0, read));
      if (error) return error;
    }
    return reader.finish();
  } catch (error) {
    if (error instanceof SentinelError) throw error;
    throw new SentinelError(`${shown}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, ExitCode.usage);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A flag as NAB labels are written: one timestamp, or a [start, end] pair, in the input's format. */
function flagSpan(flag: Flag, format: TimestampFormat): string | [string, string] {
  const start = formatTimestamp(flag.start, format);
  return flag.start === flag.end ? start : [start, formatTimestamp(flag.end, format)];
}

/** `sentinel judge --csv FILE`: the time-series judge on a `timestamp,value` file. */
export async function judgeCommand(options: JudgeCommandOptions, ctx: CommandContext): Promise<number> {
  const file = resolve(ctx.cwd, options.csv);
  const parsed = readRegularFile(file, options.csv);
  if (parsed.kind === 'invalid') throw new SentinelError(`${options.csv}:${parsed.line}: ${parsed.message}`, ExitCode.usage);
  const judgement = judgeColumns(parsed.t, parsed.v, { name: basename(file).replace(/\.csv$/i, '') });
  const spans = judgement.flags.map((f) => flagSpan(f, parsed.format));
  if (options.json) {
    ctx.stdout(
      JSON.stringify({
        verdict: judgement.verdict,
        summary: judgement.summary,
        flags: spans,
        reasons: judgement.flags.map((f, i) => ({ span: spans[i], kind: f.kind, score: f.score, reason: f.reason })),
        limit: judgement.limit ?? null,
      }),
    );
    return ExitCode.ok;
  }
  const out = [judgement.summary, renderSparkline(Array.from(parsed.v))];
  judgement.flags.forEach((f, i) => {
    const span = spans[i] ?? '';
    out.push(`${Array.isArray(span) ? span.join(' → ') : span}  ${f.kind}  ${f.reason}`);
  });
  ctx.stdout(out.join('\n'));
  return ExitCode.ok;
}
