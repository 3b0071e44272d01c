import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { renderSvgChart } from '../../src/core/svg-chart.js';

const HOUR = 3_600_000;
const t0 = Date.UTC(2025, 4, 1);
const points = Array.from({ length: 48 }, (_, i) => ({ t: t0 + i * HOUR, v: i === 30 ? 95 : 10 + (i % 5) }));

/** Parsed by a real XML parser (Python's): a chart that is not well-formed fails here. */
async function parseXml(svg: string): Promise<{ root: string; titles: string[]; rects: number; dashed: number }> {
  const script = `import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
ns = '{http://www.w3.org/2000/svg}'
print(json.dumps({"root": root.tag, "titles": [t.text for t in root.iter(ns + 'title')] + [t.text for t in root.iter(ns + 'text')],
  "rects": sum(1 for r in root.iter(ns + 'rect') if r.get('fill-opacity')), "dashed": sum(1 for l in root.iter(ns + 'line') if l.get('stroke-dasharray'))}))`;
  const { stdout } = await execa('/usr/bin/python3', ['-c', script], { input: svg });
  return JSON.parse(stdout);
}

describe('renderSvgChart', () => {
  it('is well-formed SVG with a shaded rectangle per flag and the limit as a dashed line', async () => {
    const svg = renderSvgChart({
      title: 'queue depth',
      points,
      flags: [{ start: t0 + 30 * HOUR, end: t0 + 32 * HOUR }],
      limit: 100,
      unit: ' jobs',
    });
    const parsed = await parseXml(svg);
    expect(parsed.root).toBe('{http://www.w3.org/2000/svg}svg');
    expect(parsed.rects).toBe(1);
    expect(parsed.dashed).toBe(1);
    expect(parsed.titles).toEqual(expect.arrayContaining(['queue depth', 'limit 100 jobs', '2025-05-01 00:00', '2025-05-02 23:00']));
    expect(svg).not.toMatch(/<script|href=/);
  });

  it('escapes text taken from config and logs, so it cannot break out of the markup', async () => {
    const title = `depth <script>alert("x")</script> & 'more'`;
    const svg = renderSvgChart({ title, points, unit: '"/><script>' });
    expect(svg).not.toContain('<script');
    const parsed = await parseXml(svg);
    expect(parsed.titles).toContain(title);
    expect(parsed.titles.some((t) => t.endsWith('"/><script>'))).toBe(true);
  });

  it('draws an empty chart for no points, and thins a huge series to a bounded file', async () => {
    expect((await parseXml(renderSvgChart({ title: 'nothing', points: [] }))).titles).toContain('no data');
    const many = Array.from({ length: 200_000 }, (_, i) => ({ t: t0 + i * 1000, v: Math.sin(i / 100) }));
    const svg = renderSvgChart({ title: 'many', points: many });
    expect(svg.length).toBeLessThan(40_000);
    await parseXml(svg);
  });
});
