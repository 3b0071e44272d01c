/**
 * The line shape nearly every large series file has, read straight from its bytes:
 * `2026-01-01T00:00:00Z,57.12`, `2026-01-01T00:00:00.250,3` or NAB's `2014-02-19 10:50:00,10844`.
 * Anything else (quotes, spaces, offsets, epoch seconds, exponents, a date that does not exist) is
 * left to the strict reader, which gives the same answer slower and words the errors.
 */
import { epochOf } from './civil-time.js';

/** What `readCommonLine` found: not the common shape, or the timestamp format it is in. */
export const COMMON_LINE = { other: 0, nab: 1, isoUtc: 2, isoLocal: 3 } as const;
export type CommonLine = (typeof COMMON_LINE)[keyof typeof COMMON_LINE];

// Every integer below 10^15 and every power of ten to 10^15 is a double, and division rounds
// correctly, so digits / 10^fraction is the double Number() reads from the same text.
const MAX_VALUE_DIGITS = 15;
const POWERS_OF_TEN = Array.from({ length: MAX_VALUE_DIGITS + 1 }, (_, i) => 10 ** i);

/** The number written by `count` ASCII digits at `at`, or -1 if one is not a digit. */
function readDigits(bytes: Uint8Array, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const digit = (bytes[i] ?? 0) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
}

const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= 48 && byte <= 57;

/** Reads the line in bytes [start, end) into out[0] (epoch ms) and out[1] (value). */
export function readCommonLine(bytes: Uint8Array, start: number, end: number, out: Float64Array): CommonLine {
  if (end - start < 21) return COMMON_LINE.other;
  const sep = bytes[start + 10];
  const punctuation =
    bytes[start + 4] === 45 &&
    bytes[start + 7] === 45 &&
    (sep === 32 || sep === 84) &&
    bytes[start + 13] === 58 &&
    bytes[start + 16] === 58;
  const [y, mo, d] = [readDigits(bytes, start, 4), readDigits(bytes, start + 5, 2), readDigits(bytes, start + 8, 2)];
  const [h, mi, s] = [readDigits(bytes, start + 11, 2), readDigits(bytes, start + 14, 2), readDigits(bytes, start + 17, 2)];
  if (!punctuation || y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return COMMON_LINE.other;
  let i = start + 19;
  let ms = 0;
  if (bytes[i] === 46) {
    const from = ++i;
    while (i < end && isDigit(bytes[i])) i++;
    // More digits are rounded by the strict reader; fewer mean no fraction at all.
    if (i === from || i - from > 3) return COMMON_LINE.other;
    ms = readDigits(bytes, from, i - from) * POWERS_OF_TEN[3 - (i - from)]!;
  }
  let shape: CommonLine = sep === 32 ? COMMON_LINE.nab : COMMON_LINE.isoLocal;
  if (bytes[i] === 90 && sep === 84) {
    shape = COMMON_LINE.isoUtc;
    i++;
  }
  if (bytes[i++] !== 44) return COMMON_LINE.other;
  const negative = bytes[i] === 45;
  if (negative || bytes[i] === 43) i++;
  let digits = 0;
  let mantissa = 0;
  // How many digits came before the decimal point, -1 while none has been seen.
  let point = -1;
  for (; i < end; i++) {
    const byte = bytes[i];
    if (isDigit(byte)) {
      mantissa = mantissa * 10 + (byte ?? 0) - 48;
      digits++;
    } else if (byte === 46 && point < 0 && digits > 0) point = digits;
    else return COMMON_LINE.other;
  }
  if (digits === 0 || digits > MAX_VALUE_DIGITS) return COMMON_LINE.other;
  const t = epochOf(y, mo, d, h, mi, s, ms, 0);
  if (Number.isNaN(t)) return COMMON_LINE.other;
  const value = mantissa / POWERS_OF_TEN[point < 0 ? 0 : digits - point]!;
  out[0] = t;
  out[1] = negative ? -value : value;
  return shape;
}
