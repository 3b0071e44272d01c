import type { Redaction, Redactor } from './redact.js';
import { renderRedacted } from './redact.js';
import type { LogRow } from './types.js';

/** UTF-8 byte caps per field. Log text is untrusted: nothing longer is stored, shown or sent. */
export const FIELD_CAPS = {
  message: 4096,
  exception: 16384,
  extra: 16384,
  logger: 256,
  function: 256,
  levelName: 64,
} as const;

/**
 * Characters read past each kept end of a huge field so a secret crossing the cut is still
 * recognised (and redacted whole); longer than any secret the redactor matches by its head.
 */
const MARGIN = 32768;

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]/g;
// C0 (but \t and \n), DEL, C1, and the bidi overrides that make a terminal show other text than is there.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NEEDS_STRIP = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/** Removes ANSI escapes and control characters, `\r\n` → `\n`, lone surrogates → U+FFFD. */
export function stripControls(text: string): string {
  if (!NEEDS_STRIP.test(text)) return text;
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(CONTROL, '').replace(LONE_SURROGATE, '\ufffd');
}

/** Strips control characters and caps at `maxBytes` UTF-8 bytes; no redaction. */
export function cleanText(text: string, maxBytes: number): string {
  return cleanField(text, maxBytes).text;
}

/**
 * Strip → redact → cap, in that order, so a cap never leaves the head of a secret behind. A huge
 * field is first bounded to a window at each end, so hostile 10 MB lines cost little.
 */
export function cleanField(text: string, maxBytes: number, redactor?: Redactor): Redaction {
  const window = maxBytes + MARGIN;
  if (text.length <= 2 * window) {
    const stripped = stripControls(text);
    const redacted = redactor ? redactor.redact(stripped) : { text: stripped, count: 0 };
    return { text: capBytes(redacted.text, maxBytes), count: redacted.count };
  }
  const head = stripControls(text.slice(0, window));
  const tail = stripControls(text.slice(-window));
  const headEnd = Math.max(0, head.length - MARGIN);
  const tailStart = Math.min(tail.length, MARGIN);
  const keptHead = renderRedacted(head, redactor?.findSecrets(head) ?? [], 0, headEnd);
  const keptTail = renderRedacted(tail, redactor?.findSecrets(tail) ?? [], tailStart);
  // The marker's figure counts what was dropped as it was before cleaning: close enough to read.
  const dropped =
    measureUtf8(head, headEnd, head.length) + measureUtf8(text, window, text.length - window) + measureUtf8(tail, 0, tailStart);
  const total = measureUtf8(keptHead.text) + dropped + measureUtf8(keptTail.text);
  return {
    text: joinCapped(keptHead.text, keptTail.text, total, maxBytes),
    count: keptHead.count + keptTail.count,
  };
}

/** Cleans every free-text field of a row; `redactions` is the number of secrets replaced. */
export function cleanRow(row: LogRow, redactor: Redactor): { row: LogRow; redactions: number } {
  return cleanRowWith(row, (value, field) => cleanField(value, FIELD_CAPS[field], redactor));
}

/** Characters of field values the row cleaner remembers cleaned (about a MB); longer values are not kept. */
const CLEANED_FIELD_CHARS = 500_000;
const LONGEST_KEPT = 4096;

/** `cleanRow` for a stream of rows: level, logger, function and traceback repeat row after row, and
 * each distinct value is cleaned once. Messages and extra, mostly distinct, are cleaned each time. */
export function createRowCleaner(redactor: Redactor): (row: LogRow) => { row: LogRow; redactions: number } {
  const cleaned = new Map<keyof typeof FIELD_CAPS, Map<string, Redaction>>();
  let chars = 0;
  return (row) =>
    cleanRowWith(row, (value, field) => {
      const cap = FIELD_CAPS[field];
      if (field === 'message' || field === 'extra' || value.length > LONGEST_KEPT) return cleanField(value, cap, redactor);
      let ofField = cleaned.get(field);
      if (ofField === undefined) cleaned.set(field, (ofField = new Map()));
      let result = ofField.get(value);
      if (result === undefined) {
        result = cleanField(value, cap, redactor);
        chars += value.length;
        if (chars > CLEANED_FIELD_CHARS) {
          for (const values of cleaned.values()) values.clear();
          chars = value.length;
        }
        ofField.set(value, result);
      }
      return result;
    });
}

function cleanRowWith(row: LogRow, cleanValue: (value: string, field: keyof typeof FIELD_CAPS) => Redaction) {
  let redactions = 0;
  const clean = (value: string, field: keyof typeof FIELD_CAPS): string => {
    const result = cleanValue(value, field);
    redactions += result.count;
    return result.text;
  };
  const cleanNullable = (value: string | null, field: keyof typeof FIELD_CAPS) => (value === null ? null : clean(value, field));
  const cleaned: LogRow = {
    ...row,
    levelName: clean(row.levelName, 'levelName'),
    message: clean(row.message, 'message'),
    logger: cleanNullable(row.logger, 'logger'),
    function: cleanNullable(row.function, 'function'),
    exception: cleanNullable(row.exception, 'exception'),
    // Treated as text, never parsed: deep nesting cannot cost a stack, and a capped value is not JSON.
    extra: cleanNullable(row.extra, 'extra'),
  };
  return { row: cleaned, redactions };
}

/** Keeps head and tail within `maxBytes` UTF-8 bytes, with a marker saying how much was cut. */
export function capBytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // no UTF-16 unit takes more than 3 bytes
  const bytes = measureUtf8(text);
  return bytes <= maxBytes ? text : joinCapped(text, text, bytes, maxBytes);
}

const marker = (cut: number) => `\n… [${cut} bytes cut] …\n`;

/** `head` + marker + `tail`, within `maxBytes`; `total` is the size of the text they stand for. */
function joinCapped(head: string, tail: string, total: number, maxBytes: number): string {
  const budget = maxBytes - measureUtf8(marker(total)); // the real cut is smaller, so is its marker
  if (budget <= 0) return takeHead(head, maxBytes);
  const headBytes = measureUtf8(head);
  const tailBytes = measureUtf8(tail);
  const forTail = Math.min(tailBytes, budget - Math.min(headBytes, Math.floor(budget / 2)));
  const headPart = takeHead(head, Math.min(headBytes, budget - forTail));
  const tailPart = takeTail(tail, forTail);
  const cut = total - measureUtf8(headPart) - measureUtf8(tailPart);
  return headPart + marker(cut) + tailPart;
}

/** UTF-8 size of `text[from, to)`; a lone surrogate counts as the 3 bytes of U+FFFD. */
export function measureUtf8(text: string, from = 0, to = text.length): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (isHigh(c) && i + 1 < to && isLow(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix within `maxBytes` that ends on a character boundary. */
function takeHead(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    const pair = isHigh(c) && isLow(text.charCodeAt(i + 1));
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += pair ? 2 : 1;
  }
  return text.slice(0, i);
}

/** The longest suffix within `maxBytes` that starts on a character boundary. */
function takeTail(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = text.length;
  while (i > 0) {
    const c = text.charCodeAt(i - 1);
    const pair = isLow(c) && i > 1 && isHigh(text.charCodeAt(i - 2));
    const width = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + width > maxBytes) break;
    bytes += width;
    i -= pair ? 2 : 1;
  }
  return text.slice(i);
}

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;
