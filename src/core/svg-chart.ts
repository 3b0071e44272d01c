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
  /** The span a reader must see (the flags open now): when it is a small part of the history, it gets
   * a panel of its own, the whole history drawn small beneath it as context. */
  focus?: { start: number; end: number };
  width?: number;
  height?: number;
}

const MARGIN = { left: 64, right: 16, top: 28, bottom: 36 };
/** The history beneath a zoomed panel: its plot height, and the room for its time labels above it. */
const HISTORY = { height: 44, gap: 40 };

/** Every character that can end an attribute or start markup, escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const fixed = (n: number) => Number(n.toFixed(1));

interface Panel {
  name: 'chart' | 'zoom' | 'history';
  points: readonly SeriesPoint[];
  from: number;
  to: number;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A small self-contained SVG line chart (no scripts, no external references), for incident files. */
export function renderSvgChart(input: ChartInput): string {
  const width = input.width ?? 720;
  const points = input.points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  const t0 = points[0]?.t ?? 0;
  const t1 = Math.max(points[points.length - 1]?.t ?? 1, t0 + 1);
  // A reading stands for the time until the next one, so a flag on one reading still has a width.
  const step = points.length > 1 ? (t1 - t0) / (points.length - 1) : 1;
  const flags = (input.flags ?? []).map((f) => ({ start: f.start, end: Math.max(f.end, f.start + step) }));
  const zoom = input.focus ? zoomWindow(input.focus, step, t0, t1) : null;
  const height = input.height ?? (zoom ? 340 : 240);
  const plot = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(input.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="13">${escapeXml(input.title)}</text>`,
  ];
  if (!zoom) {
    const panel: Panel = { name: 'chart', points, from: t0, to: t1, ...plot, height: height - MARGIN.top - MARGIN.bottom };
    parts.push(...renderPanel(panel, flags, input));
  } else {
    const zoomHeight = height - MARGIN.top - MARGIN.bottom - HISTORY.gap - HISTORY.height;
    const inWindow = points.filter((p) => p.t >= zoom.from && p.t <= zoom.to);
    parts.push(...renderPanel({ name: 'zoom', points: inWindow, ...zoom, ...plot, height: zoomHeight }, flags, input));
    const history: Panel = {
      name: 'history',
      points,
      from: t0,
      to: t1,
      ...plot,
      top: MARGIN.top + zoomHeight + HISTORY.gap,
      height: HISTORY.height,
    };
    const x = (t: number) => fixed(history.left + ((t - t0) / (t1 - t0)) * history.width);
    parts.push(
      ...renderPanel(history, flags, input),
      // Where the panel above sits in the history.
      `<rect x="${x(zoom.from)}" y="${history.top}" width="${fixed(Math.max(2, x(zoom.to) - x(zoom.from)))}" height="${history.height}" fill="none" stroke="#444"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** The focus and as much again on each side (at least two readings), within the data; null when
 * that is most of the history anyway. */
function zoomWindow(focus: { start: number; end: number }, step: number, t0: number, t1: number): { from: number; to: number } | null {
  const end = Math.max(focus.end, focus.start + step);
  const pad = Math.max(end - focus.start, 2 * step);
  const from = Math.max(t0, focus.start - pad);
  const to = Math.min(t1, end + pad);
  return to > from && to - from < (t1 - t0) / 2 ? { from, to } : null;
}

function renderPanel(panel: Panel, flags: readonly { start: number; end: number }[], input: ChartInput): string[] {
  const unit = input.unit ?? '';
  const { points, from, to, left, top } = panel;
  const span = Math.max(to - from, 1);
  const yMin = points.reduce((m, p) => Math.min(m, p.v), 0);
  const yMax = points.reduce((m, p) => Math.max(m, p.v), Math.max(yMin + 1e-9, input.limit ?? yMin));
  const x = (t: number) => fixed(left + ((t - from) / span) * panel.width);
  const y = (v: number) => fixed(top + panel.height - ((v - yMin) / (yMax - yMin)) * panel.height);
  const bottom = top + panel.height;
  const right = left + panel.width;
  const parts = [`<g class="${panel.name}">`];
  for (const flag of flags) {
    if (flag.end < from || flag.start > to) continue;
    const start = x(Math.max(flag.start, from));
    const w = Math.max(2, x(Math.min(flag.end, to)) - start);
    parts.push(`<rect x="${start}" y="${top}" width="${fixed(w)}" height="${panel.height}" fill="#e5484d" fill-opacity="0.18"/>`);
  }
  parts.push(
    `<path d="M${left} ${top}V${bottom}H${right}" fill="none" stroke="#444"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end">${escapeXml(formatValue(yMax) + unit)}</text>`,
    `<text x="${left - 6}" y="${bottom}" text-anchor="end">${escapeXml(formatValue(yMin) + unit)}</text>`,
  );
  if (points.length) {
    parts.push(
      `<text x="${left}" y="${bottom + 16}">${escapeXml(iso(from))}</text>`,
      `<text x="${right}" y="${bottom + 16}" text-anchor="end">${escapeXml(iso(to))}</text>`,
      `<polyline points="${thinPoints(points, x)
        .map((p) => `${x(p.t)},${y(p.v)}`)
        .join(' ')}" fill="none" stroke="#0b6bcb" stroke-width="${panel.name === 'history' ? 1 : 1.5}"/>`,
    );
  } else {
    parts.push(`<text x="${left + panel.width / 2}" y="${top + panel.height / 2}" text-anchor="middle">no data</text>`);
  }
  if (input.limit !== undefined) {
    const ly = y(input.limit);
    parts.push(`<line x1="${left}" y1="${ly}" x2="${right}" y2="${ly}" stroke="#e5484d" stroke-dasharray="6 4"/>`);
    if (panel.name !== 'history')
      parts.push(
        `<text x="${right}" y="${ly - 4}" text-anchor="end" fill="#e5484d">${escapeXml(`limit ${formatValue(input.limit)}${unit}`)}</text>`,
      );
  }
  parts.push('</g>');
  return parts;
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
