import { truncateMiddleUtf8Bytes, utf8Bytes } from '../core/text.js';

/** Every tool result fits in this many UTF-8 bytes: a model's context is not a log viewer. */
export const OUTPUT_CAP = 8192;
export const CUT_NOTE = '… output cut at 8 KB: narrow your query (fewer hours, fewer rows)';

/** Untrusted text in a fence longer than any backtick run inside it, so it cannot close the fence. */
export function fence(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const marker = '`'.repeat(Math.max(3, longest + 1));
  return `${marker}text\n${text}\n${marker}`;
}

/** `2025-05-03 14:07:12Z`; times are UTC so the model never guesses a zone. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '(no time)';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export const formatHour = (ms: number) => `${formatTime(ms).slice(0, 16)}Z`;

/** Keeps the head (the first frames) and the end (where it failed) of a long traceback. */
export function trimTraceback(text: string, maxLines: number, maxBytes: number): string {
  const lines = text.replace(/\n+$/, '').split('\n');
  const head = Math.min(3, Math.floor(maxLines / 4));
  const kept =
    lines.length <= maxLines
      ? lines
      : [...lines.slice(0, head), `… ${lines.length - maxLines} lines cut …`, ...lines.slice(lines.length - (maxLines - head))];
  return truncateMiddleUtf8Bytes(kept.join('\n'), maxBytes);
}

/**
 * Cuts `text` at a line boundary to fit `maxBytes` with the cut note, closing a fence left open
 * so the note is never read as part of the untrusted text.
 */
export function capOutput(text: string, maxBytes = OUTPUT_CAP): { text: string; truncated: boolean } {
  if (utf8Bytes(text) <= maxBytes) return { text, truncated: false };
  const lines = text.split('\n');
  let openFence: string | null = null;
  let used = 0;
  const kept: string[] = [];
  for (const line of lines) {
    const marker = /^(`{3,})/.exec(line)?.[1];
    const nextFence: string | null = marker === undefined ? openFence : openFence === null ? marker : line === openFence ? null : openFence;
    const closing = nextFence === null ? 0 : utf8Bytes(nextFence) + 1;
    const size = utf8Bytes(line) + 1;
    if (used + size + closing + utf8Bytes(CUT_NOTE) + 1 > maxBytes) break;
    kept.push(line);
    used += size;
    openFence = nextFence;
  }
  if (openFence !== null) kept.push(openFence);
  kept.push(CUT_NOTE);
  return { text: kept.join('\n'), truncated: true };
}

export { plural } from '../core/plural.js';
