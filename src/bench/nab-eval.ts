/**
 * Runs the judge over every NAB series, writes the flags file window_eval.py reads, and prints
 * its table. Usage: node dist/bench/nab-eval.js [nab-dir] [--per-file] [--verbose] [--out flags.json]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { formatTimestamp } from '../core/csv-series.js';
import { judge } from '../core/judge.js';
import { readNabCorpus } from './nab-corpus.js';

async function main(argv: string[]): Promise<number> {
  const outIndex = argv.indexOf('--out');
  const positional = argv.filter((a, i) => !a.startsWith('--') && i !== outIndex + 1);
  const nab = resolve(positional[0] ?? '../shared/eval/nab');
  const out = outIndex >= 0 ? resolve(argv[outIndex + 1] ?? 'flags.json') : join(mkdtempSync(join(tmpdir(), 'nab-eval-')), 'flags.json');
  const corpus = readNabCorpus(nab);
  const flagsByKey: Record<string, [string, string][]> = {};
  const started = performance.now();
  for (const series of corpus) {
    const judgement = judge(series.points, { name: series.key.replace(/^.*\/|\.csv$/g, '') });
    flagsByKey[series.key] = judgement.flags.map((f) => [formatTimestamp(f.start, series.format), formatTimestamp(f.end, series.format)]);
    if (argv.includes('--verbose')) console.log(judgement.summary);
  }
  const elapsed = performance.now() - started;
  const points = corpus.reduce((n, s) => n + s.points.length, 0);
  writeFileSync(out, JSON.stringify(flagsByKey, null, 1));
  console.log(`judged ${corpus.length} series, ${points} points in ${Math.round(elapsed)} ms; flags in ${out}\n`);
  const args = [
    join(nab, 'window_eval.py'),
    '--data-dir',
    join(nab, 'data'),
    '--windows',
    join(nab, 'labels', 'windows.json'),
    '--flags',
    out,
  ];
  const result = await execa('python3', argv.includes('--per-file') ? [...args, '--per-file'] : args, { reject: false });
  console.log(result.stdout);
  if (result.exitCode !== 0) console.error(result.stderr);
  return result.exitCode ?? 1;
}

process.exitCode = await main(process.argv.slice(2));
