/** Calendar arithmetic for timestamps read from text: no Date, which rolls bad dates over. */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** NaN for a date or time that does not exist (`2024-13-45 99:99:99`, `2023-02-29`, a +25:00 zone):
 * Date.UTC would quietly roll it over into another one. Years before 100 are refused as well, as
 * Date.UTC reads them as 19xx. */
export function epochOf(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMinutes: number): number {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const monthDays = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] ?? 0);
  const exists = y >= 100 && mo >= 1 && mo <= 12 && d >= 1 && d <= monthDays && h <= 23 && mi <= 59 && s <= 59;
  if (!exists || Math.abs(offsetMinutes) >= 24 * 60) return Number.NaN;
  const utc = daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
  return utc - offsetMinutes * 60_000;
}
