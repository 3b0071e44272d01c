import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildHealthSubject, judgeSeriesNow, pickDueSeries, renderHealthSummary, type ChartSeries } from '../../src/core/health.js';
import type { Flag } from '../../src/core/judge-types.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0);
const MINUTE = 60_000;
const points = (values: number[]) => values.map((v, i) => ({ t: T0 + i * MINUTE, v }));

function series(flags: Partial<Flag>[], extra: Partial<ChartSeries> = {}): ChartSeries {
  const full = flags.map((f) => ({ start: T0, end: T0, score: 5, kind: 'above' as const, reason: 'r', ...f }));
  return {
    name: 'queue_depth',
    points: points([10, 11, 9, 10, 150, 160]),
    judgement: { verdict: full.length ? 'concerning' : 'normal', flags: full, summary: 'queue_depth: …' },
    ...extra,
  };
}

describe('judgeSeriesNow', () => {
  const last = T0 + 5 * MINUTE;
  it.each([
    ['no flag', [], [], 'normal'],
    ['a flag that ended earlier is history', [{ end: T0 + 2 * MINUTE, reason: 'past' }], [], 'normal'],
    [
      'a flag open at the latest point',
      [{ start: T0 + 4 * MINUTE, end: last, reason: 'queue_depth 160, above its usual 9–11' }],
      ['queue_depth 160, above its usual 9–11; now 160, flagged for 1 minute'],
      'concerning',
    ],
  ] as const)('%s', (_, flags, reasons, verdict) => {
    const judged = judgeSeriesNow('metric', { name: 'queue_depth' }, series([...flags]));
    expect(judged).toMatchObject({ key: 'metric:queue_depth', analysis: 'metric', verdict, reasons: [...reasons] });
  });

  it('a hard threshold crossed now is concerning without any flag, and comes first', () => {
    const judged = judgeSeriesNow(
      'system',
      {},
      series([{ start: last, end: last, reason: 'flag' }], { name: '/ disk used', thresholds: ['/ disk 93 % used, above 90 %'] }),
    );
    expect(judged).toMatchObject({ key: 'system:/ disk used', verdict: 'concerning', reasons: ['/ disk 93 % used, above 90 %', 'flag'] });
  });
});

describe('pickDueSeries', () => {
  const concerning = judgeSeriesNow('metric', { name: 'queue_depth' }, series([{ end: T0 + 5 * MINUTE }]));
  const normal = judgeSeriesNow('metric', { name: 'gemini_rpm' }, { ...series([]), name: 'gemini_rpm' });
  const hour = 60 * MINUTE;
  it.each([
    ['never alerted', new Map<string, number>(), ['metric:queue_depth']],
    ['alerted within the cooldown', new Map([['metric:queue_depth', T0 - hour]]), []],
    ['alerted a cooldown ago', new Map([['metric:queue_depth', T0 - 6 * hour]]), ['metric:queue_depth']],
    ['another series alerted', new Map([['metric:gemini_rpm', T0]]), ['metric:queue_depth']],
  ])('%s', (_, alerts, due) => {
    expect(pickDueSeries([concerning, normal], alerts, 6 * hour, T0).map((v) => v.key)).toEqual(due);
  });
});

describe('buildHealthSubject', () => {
  it('keeps what the prompt and the incident need: open flags, sparkline, recent values, the chart with the flagged span', () => {
    const flags = [
      { start: T0 + MINUTE, end: T0 + MINUTE, reason: 'an old dip', kind: 'below' as const },
      { start: T0 + 4 * MINUTE, end: T0 + 5 * MINUTE, reason: 'queue_depth 150, above its usual 9–11' },
    ];
    const verdict = judgeSeriesNow('metric', { name: 'queue_depth' }, series(flags, { limit: 100, unit: ' jobs' }));
    const subject = buildHealthSubject([verdict], T0 + 6 * MINUTE);
    expect(subject.window).toEqual({ from: T0 + 4 * MINUTE, to: T0 + 6 * MINUTE });
    const [s] = subject.series;
    expect(s).toMatchObject({
      key: 'metric:queue_depth',
      args: { name: 'queue_depth' },
      limit: 100,
      unit: ' jobs',
      reasons: ['queue_depth 150, above its usual 9–11; now 160 jobs, flagged for 1 minute'],
      flags: [{ start: T0 + 4 * MINUTE, end: T0 + 5 * MINUTE, kind: 'above', reason: 'queue_depth 150, above its usual 9–11' }],
      sparkline: '▁▁▁▁██',
      from: T0,
      to: T0 + 5 * MINUTE,
    });
    expect(s!.recent).toHaveLength(6);
    // Both flagged spans shaded (the old one is context), and the limit drawn.
    expect(s!.svg.match(/fill-opacity="0.18"/g)).toHaveLength(2);
    expect(s!.svg).toContain('limit 100 jobs');
  });
});

/** Per panel of a chart (parsed by Python's XML parser): its plot width, the widths of its flagged
 * rectangles, and its time labels. */
async function readPanels(svg: string): Promise<Record<string, { plot: number; flagged: number[]; labels: string[] }>> {
  const script = `import sys, json, re, xml.etree.ElementTree as ET
ns = '{http://www.w3.org/2000/svg}'
out = {}
for g in ET.fromstring(sys.stdin.read()).iter(ns + 'g'):
  l, r = re.match(r'M([\\d.]+) [\\d.]+V[\\d.]+H([\\d.]+)', g.find(ns + 'path').get('d')).groups()
  out[g.get('class')] = {"plot": float(r) - float(l), "flagged": [float(x.get('width')) for x in g.iter(ns + 'rect') if x.get('fill-opacity')],
    "labels": [t.text for t in g.iter(ns + 'text')]}
print(json.dumps(out))`;
  return JSON.parse((await execa('/usr/bin/python3', ['-c', script], { input: svg })).stdout);
}

describe('the health chart', () => {
  const HOUR = 60 * MINUTE;
  // A week of 5-minute readings, the last hour flagged: on one time axis that hour is 1/168 of the width.
  const week = Array.from({ length: 7 * 24 * 12 }, (_, i) => ({ t: T0 + i * 5 * MINUTE, v: 10 + (i % 3) }));
  const last = week.at(-1)!.t;
  const flag: Flag = { start: last - HOUR, end: last, score: 5, kind: 'above', reason: 'queue_depth 150, above its usual 9–12' };

  it('shows the flagged hour over at least a third of a zoomed panel, the week beneath it as context', async () => {
    const verdict = judgeSeriesNow(
      'metric',
      { name: 'queue_depth' },
      {
        name: 'queue_depth',
        points: week,
        judgement: { verdict: 'concerning', flags: [flag], summary: 'queue_depth: …' },
      },
    );
    const panels = await readPanels(buildHealthSubject([verdict], last).series[0]!.svg);
    expect(Object.keys(panels).sort()).toEqual(['history', 'zoom']);
    const [flagged] = panels.zoom!.flagged;
    expect(flagged! / panels.zoom!.plot).toBeGreaterThanOrEqual(1 / 3);
    expect(panels.history!.labels).toEqual(expect.arrayContaining(['2026-05-01 12:00', '2026-05-08 11:55']));
  });

  it('keeps one panel when the flagged span is most of the history', async () => {
    const verdict = judgeSeriesNow(
      'metric',
      { name: 'queue_depth' },
      {
        name: 'queue_depth',
        points: week.slice(-16),
        judgement: { verdict: 'concerning', flags: [flag], summary: 'queue_depth: …' },
      },
    );
    const panels = await readPanels(buildHealthSubject([verdict], last).series[0]!.svg);
    expect(Object.keys(panels)).toEqual(['chart']);
    expect(panels.chart!.flagged[0]! / panels.chart!.plot).toBeGreaterThanOrEqual(0.75);
  });
});

describe('renderHealthSummary', () => {
  const concerning = judgeSeriesNow(
    'metric',
    { name: 'queue_depth' },
    series([{ end: T0 + 5 * MINUTE, kind: 'limit', reason: 'queue_depth 160, at its limit' }]),
  );
  const normal = judgeSeriesNow('errors', {}, { ...series([]), name: 'error rows per hour' });
  it('concerning series first, marked when alerted now; the incident after', () => {
    const text = renderHealthSummary({
      verdicts: [normal, concerning],
      alerted: new Set(['metric:queue_depth']),
      incident: '/srv/incidents/x.md',
      notified: 1,
      dryRun: false,
    });
    expect(text).toBe(
      [
        'health: 1 of 2 series concerning',
        '  CONCERNING  metric:queue_depth: queue_depth 160, at its limit',
        '  normal      errors:error rows per hour',
        'incident: /srv/incidents/x.md',
        'notified: 1',
      ].join('\n'),
    );
  });

  it('says when a concerning series is cooling down, and what a dry run would do', () => {
    const text = renderHealthSummary({ verdicts: [concerning], alerted: new Set(), incident: null, notified: 0, dryRun: true });
    expect(text.split('\n')).toEqual([
      'health: 1 of 1 series concerning',
      '  concerning  metric:queue_depth: queue_depth 160, at its limit (alerted within the cooldown)',
      'dry run: 0 series would be investigated; nothing queued, written or sent',
    ]);
  });
});
