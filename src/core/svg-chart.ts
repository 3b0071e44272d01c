import { formatValue } from './judge-format.js';
import type { SeriesPoint } from './judge-types.js';

export interface ChartInput {
  title: string;
  points: readonly SeriesPoint[];
  /** Flagged spans, drawn as shaded rectangles behind the line. */
  flags?: readonly { start: number; end: number }[];
  /** Drawn as a dashed horizontal line; the y axis always reaches it. */
  limit?: number;
  unit?: string;
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 28, bottom: 36 };

/** Every character that can end an attribute or start markup, escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const fixed = (n: number) => Number(n.toFixed(1));

/** A small self-contained SVG line chart (no scripts, no external references), for incident files. */
export function renderSvgChart(input: ChartInput): string {
  const width = input.width ?? 720;
  const height = input.height ?? 240;
  const unit = input.unit ?? '';
  const points = input.points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(points[points.length - 1]?.t ?? 1, t0 + 1);
  const yMin = points.reduce((m, p) => Math.min(m, p.v), 0);
  const yMax = points.reduce((m, p) => Math.max(m, p.v), Math.max(yMin + 1e-9, input.limit ?? yMin));
  const x = (t: number) => fixed(MARGIN.left + ((t - t0) / (t1 - t0)) * plotW);
  const y = (v: number) => fixed(MARGIN.top + plotH - ((v - yMin) / (yMax - yMin)) * plotH);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="13">${escapeXml(input.title)}</text>`,
  ];
  for (const flag of input.flags ?? []) {
    const left = x(Math.max(flag.start, t0));
    const w = Math.max(2, x(Math.min(flag.end, t1)) - left);
    parts.push(`<rect x="${left}" y="${MARGIN.top}" width="${fixed(w)}" height="${plotH}" fill="#e5484d" fill-opacity="0.18"/>`);
  }
  const bottom = MARGIN.top + plotH;
  parts.push(
    `<path d="M${MARGIN.left} ${MARGIN.top}V${bottom}H${MARGIN.left + plotW}" fill="none" stroke="#444"/>`,
    `<text x="${MARGIN.left - 6}" y="${MARGIN.top + 4}" text-anchor="end">${escapeXml(formatValue(yMax) + unit)}</text>`,
    `<text x="${MARGIN.left - 6}" y="${bottom}" text-anchor="end">${escapeXml(formatValue(yMin) + unit)}</text>`,
  );
  if (points.length) {
    parts.push(
      `<text x="${MARGIN.left}" y="${bottom + 16}">${escapeXml(iso(t0))}</text>`,
      `<text x="${MARGIN.left + plotW}" y="${bottom + 16}" text-anchor="end">${escapeXml(iso(t1))}</text>`,
      `<polyline points="${thinPoints(points, x)
        .map((p) => `${x(p.t)},${y(p.v)}`)
        .join(' ')}" fill="none" stroke="#0b6bcb" stroke-width="1.5"/>`,
    );
  } else {
    parts.push(`<text x="${MARGIN.left + plotW / 2}" y="${MARGIN.top + plotH / 2}" text-anchor="middle">no data</text>`);
  }
  if (input.limit !== undefined) {
    const ly = y(input.limit);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${ly}" x2="${MARGIN.left + plotW}" y2="${ly}" stroke="#e5484d" stroke-dasharray="6 4"/>`,
      `<text x="${MARGIN.left + plotW}" y="${ly - 4}" text-anchor="end" fill="#e5484d">${escapeXml(`limit ${formatValue(input.limit)}${unit}`)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** At most the lowest and highest point per pixel column: the same picture, a bounded file. */
function thinPoints(points: readonly SeriesPoint[], x: (t: number) => number): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  let column = Number.NaN;
  let lo: SeriesPoint | undefined;
  let hi: SeriesPoint | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else out.push(...(lo.t <= hi.t ? [lo, hi] : [hi, lo]));
  };
  for (const p of points) {
    const c = Math.round(x(p.t));
    if (c !== column) {
      flush();
      column = c;
      lo = hi = p;
    } else {
      if (p.v < (lo?.v ?? p.v)) lo = p;
      if (p.v > (hi?.v ?? p.v)) hi = p;
    }
  }
  flush();
  return out;
}
