import { fenceText } from './fence.js';
import type { Notification } from './notification.js';
import type { Redactor } from './redact.js';
import { truncateUtf16Units, utf8Bytes } from './text.js';

export type JournalTail = { kind: 'ok'; lines: string[] } | { kind: 'failed'; reason: string };

const LINE_MAX = 400;
// ntfy keeps 4000 bytes; the heading, the fence and the host take the rest.
const LINES_MAX_BYTES = 3200;

/** A unit name as systemd spells them; anything else (a leading `-` above all) never reaches journalctl. */
export function isUnitName(text: string): boolean {
  return /^[A-Za-z0-9:_.\\@-]{1,255}$/.test(text) && !text.startsWith('-');
}

/** "sentinel failed: UNIT" with the journal's last lines, redacted, newest kept when they do not all fit. */
export function buildFailureNotice(input: { unit: string; host: string; journal: JournalTail; redactor: Redactor }): Notification {
  const head = `**${input.unit}** failed on ${input.host}.`;
  let body: string;
  if (input.journal.kind === 'failed') {
    body = `Its journal could not be read (${input.redactor.redact(input.journal.reason).text}). See \`journalctl -u ${input.unit}\`.`;
  } else if (input.journal.lines.length === 0) {
    body = 'The journal has no lines for it.';
  } else {
    const kept: string[] = [];
    let bytes = 0;
    for (const line of [...input.journal.lines].reverse()) {
      const clean = truncateUtf16Units(input.redactor.redact(line).text, LINE_MAX);
      bytes += utf8Bytes(clean) + 1;
      if (bytes > LINES_MAX_BYTES) break;
      kept.unshift(clean);
    }
    body = `Last ${kept.length} journal line${kept.length === 1 ? '' : 's'}:\n\n${fenceText(kept.join('\n'))}`;
  }
  return {
    title: `sentinel failed: ${input.unit}`,
    message: `${head}\n\n${body}`,
    severity: 'high',
    tags: ['rotating_light', 'sentinel', 'failure'],
  };
}

/** The message `sentinel notify test` sends to each channel. */
export function buildTestNotice(channel: string, host: string): Notification {
  return {
    title: 'sentinel test notification',
    message: `A test from \`sentinel notify test\` on ${host}: the ${channel} channel works.`,
    severity: 'medium',
    tags: ['test', 'sentinel'],
  };
}
