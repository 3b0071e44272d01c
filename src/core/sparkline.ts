const BARS = '▁▂▃▄▅▆▇█';

/**
 * A one-line chart of a series: `▁▂▅█▇▃`. Longer series are resampled to `width` characters by
 * taking each slice's maximum, so a short spike is never averaged away. Non-finite values show as
 * a space; a flat series is a flat line at the bottom.
 */
export function renderSparkline(values: readonly number[], width = 60): string {
  const columns = resampleMax(values, Math.max(1, Math.floor(width)));
  const finite = columns.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return ' '.repeat(columns.length);
  const lo = Math.min(...finite);
  const span = Math.max(...finite) - lo;
  return columns
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      const level = span === 0 ? 0 : Math.round(((v - lo) / span) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}

function resampleMax(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let c = 0; c < width; c++) {
    const from = Math.floor((c * values.length) / width);
    const to = Math.floor(((c + 1) * values.length) / width);
    let max = Number.NaN;
    for (let i = from; i < to; i++) {
      const v = values[i] ?? Number.NaN;
      if (Number.isFinite(v) && (Number.isNaN(max) || v > max)) max = v;
    }
    out.push(max);
  }
  return out;
}
