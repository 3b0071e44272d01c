/** Text from logs and from the model, made safe to show and cut to size. Every truncator is named by
 * the unit it counts. Pure. */

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]/g;
// C0 (but \t and \n), DEL, C1, and every bidi control: the embeddings, overrides and isolates, and
// the marks (U+200E/U+200F, U+061C) too, since a mark among neutral characters (digits, a path)
// reorders them as well; an incident file or a push must show the text that is there.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NEEDS_STRIP = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]/;

/** Removes ANSI escapes and control characters, `\r\n` → `\n`, lone surrogates → U+FFFD; tabs and
 * newlines stay. */
export function stripControls(text: string): string {
  if (!NEEDS_STRIP.test(text)) return text;
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(CONTROL, '').replace(LONE_SURROGATE, '\ufffd');
}

const LINE_BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]+/g;

/** One line: every break becomes a space, control characters go, runs of spaces become one. */
export function cleanLine(text: string): string {
  return stripControls(text.replace(ANSI, '').replace(LINE_BREAKS, ' ')).replace(/ {2,}/g, ' ').trim();
}

/** UTF-8 size of `text[from, to)`; a lone surrogate counts as the 3 bytes of U+FFFD. */
export function utf8Bytes(text: string, from = 0, to = text.length): number {
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

const ELLIPSIS = '\u2026';

/** At most `max` characters (code points), with an ellipsis when cut; never splits a surrogate pair. */
export function truncateChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}${ELLIPSIS}`;
}

/** At most `max` UTF-16 code units (what Discord and JavaScript count), cut between grapheme
 * clusters and marked with an ellipsis. */
export function truncateUtf16Units(text: string, max: number): string {
  return truncateGraphemes(text, max, (s) => s.length);
}

/** At most `max` UTF-8 bytes (what ntfy counts), cut between grapheme clusters and marked with an
 * ellipsis. */
export function truncateUtf8Bytes(text: string, max: number): string {
  return truncateGraphemes(text, max, utf8Bytes);
}

// Built at the first cut, not at load: creating a Segmenter loads ICU data (~25 ms of every start-up).
let graphemes: Intl.Segmenter | undefined;

function truncateGraphemes(text: string, max: number, measure: (s: string) => number): string {
  if (measure(text) <= max) return text;
  const budget = max - measure(ELLIPSIS);
  if (budget < 0) return '';
  // Every UTF-16 unit measures at least 1, so nothing past `max` can be kept; segmenting the
  // whole of a huge text would cost seconds. The prefix's last cluster may be cut, so it never fits.
  const prefix = text.slice(0, max + 1);
  let used = 0;
  let end = 0;
  graphemes ??= new Intl.Segmenter('en', { granularity: 'grapheme' });
  for (const { segment, index } of graphemes.segment(prefix)) {
    used += measure(segment);
    if (used > budget || index + segment.length === prefix.length) break;
    end = index + segment.length;
  }
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}

/** Keeps head and tail within `maxBytes` UTF-8 bytes, with a marker saying how many bytes were cut
 * between them: the end of a log text (the exception, the last frame) matters as much as its start. */
export function truncateMiddleUtf8Bytes(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text; // no UTF-16 unit takes more than 3 bytes
  const bytes = utf8Bytes(text);
  return bytes <= maxBytes ? text : joinAroundCut(text, text, bytes, maxBytes);
}

const cutMarker = (cut: number) => `\n… [${cut} bytes cut] …\n`;

/** As much of the start of `head` and the end of `tail` as fit in `maxBytes` with the cut marker
 * between them; `totalBytes` is the size of the whole text the two stand for. */
export function joinAroundCut(head: string, tail: string, totalBytes: number, maxBytes: number): string {
  const budget = maxBytes - utf8Bytes(cutMarker(totalBytes)); // the real cut is smaller, so is its marker
  if (budget <= 0) return takeHead(head, maxBytes);
  const headBytes = utf8Bytes(head);
  const tailBytes = utf8Bytes(tail);
  const forTail = Math.min(tailBytes, budget - Math.min(headBytes, Math.floor(budget / 2)));
  const headPart = takeHead(head, Math.min(headBytes, budget - forTail));
  const tailPart = takeTail(tail, forTail);
  const cut = totalBytes - utf8Bytes(headPart) - utf8Bytes(tailPart);
  return headPart + cutMarker(cut) + tailPart;
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
