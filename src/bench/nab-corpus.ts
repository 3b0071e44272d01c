/** Reads the NAB subset (series, their timestamp format, labelled windows) from its folder. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvSeries, type TimestampFormat } from '../core/csv-series.js';
import type { SeriesPoint } from '../core/judge-types.js';

export interface NabSeries {
  key: string;
  points: SeriesPoint[];
  format: TimestampFormat;
  windows: [number, number][];
}

const parseLabelTime = (s: string): number => Date.parse(`${s.replace(' ', 'T').slice(0, 23)}Z`);

export function readNabCorpus(nabDir: string): NabSeries[] {
  const labels = JSON.parse(readFileSync(join(nabDir, 'labels', 'windows.json'), 'utf8')) as Record<string, [string, string][]>;
  const corpus: NabSeries[] = [];
  for (const category of readdirSync(join(nabDir, 'data')).sort()) {
    for (const file of readdirSync(join(nabDir, 'data', category))
      .filter((f) => f.endsWith('.csv'))
      .sort()) {
      const key = `${category}/${file}`;
      const parsed = parseCsvSeries(readFileSync(join(nabDir, 'data', key), 'utf8'));
      if (parsed.kind === 'invalid') throw new Error(`${key}:${parsed.line}: ${parsed.message}`);
      const windows = (labels[key] ?? []).map(([a, b]): [number, number] => [parseLabelTime(a), parseLabelTime(b)]);
      corpus.push({ key, points: parsed.points, format: parsed.format, windows });
    }
  }
  return corpus;
}
