import type { Redaction, Redactor } from './redact.js';
import { renderRedacted } from './redact.js';
import { joinAroundCut, stripControls, truncateMiddleUtf8Bytes, utf8Bytes } from './text.js';
import type { LogRow } from './types.js';
import { createDoorkeeper, stringHash } from './doorkeeper.js';

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

/**
 * Strip → redact → cap, in that order, so a cap never leaves the head of a secret behind. A huge
 * field is first bounded to a window at each end, so hostile 10 MB lines cost little.
 */
export function cleanField(text: string, maxBytes: number, redactor?: Redactor): Redaction {
  const window = maxBytes + MARGIN;
  if (text.length <= 2 * window) {
    const stripped = stripControls(text);
    const redacted = redactor ? redactor.redact(stripped) : { text: stripped, count: 0 };
    return { text: truncateMiddleUtf8Bytes(redacted.text, maxBytes), count: redacted.count };
  }
  const head = stripControls(text.slice(0, window));
  const tail = stripControls(text.slice(-window));
  const headEnd = Math.max(0, head.length - MARGIN);
  const tailStart = Math.min(tail.length, MARGIN);
  const keptHead = renderRedacted(head, redactor?.findSecrets(head) ?? [], 0, headEnd);
  const keptTail = renderRedacted(tail, redactor?.findSecrets(tail) ?? [], tailStart);
  // The marker's figure counts what was dropped as it was before cleaning: close enough to read.
  const dropped = utf8Bytes(head, headEnd, head.length) + utf8Bytes(text, window, text.length - window) + utf8Bytes(tail, 0, tailStart);
  const total = utf8Bytes(keptHead.text) + dropped + utf8Bytes(keptTail.text);
  return {
    text: joinAroundCut(keptHead.text, keptTail.text, total, maxBytes),
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
  const seen = createDoorkeeper(); // a traceback with a fresh id in it is cleaned, not kept
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
        if (!seen(stringHash(`${field}\u0000${value}`))) return result;
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
