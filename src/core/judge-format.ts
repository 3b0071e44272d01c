/** Number and duration wording for flag reasons: short, and exact enough to check against the data. */

export function formatValue(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6 || (a > 0 && a < 1e-3)) return x.toPrecision(3);
  if (a >= 100) return String(Math.round(x));
  return String(Number(x.toPrecision(3)));
}

/** A span of time as a person reads it in a flag reason, rounded: `60 minutes`, `6 days` (core/duration's
 * `formatDuration` spells a config value exactly instead: `1h`). */
export function describeSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.round(ms / 1000)} seconds`;
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.round(hours / 24)} days`;
}

const WEEKDAYS = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];

/** "14:00" or "Tuesdays 14:00", in the series' own clock (UTC shifted by `offsetMinutes`). */
export function formatPhase(t: number, weekly: boolean, offsetMinutes: number): string {
  const d = new Date(t + offsetMinutes * 60_000);
  const hhmm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return weekly ? `${WEEKDAYS[d.getUTCDay()]} ${hhmm}` : hhmm;
}
