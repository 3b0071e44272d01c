/** What sentinel tells people, and the port every channel implements. Pure: no I/O, no clock. */
import { cleanLine, truncateUtf16Units } from './text.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Notification {
  title: string;
  /** Markdown. */
  message: string;
  severity: Severity;
  tags: string[];
  /** The incident file name, for the click link. */
  file?: string;
}

export type SendResult = { kind: 'sent' } | { kind: 'retry'; reason: string; retryAfterMs?: number } | { kind: 'rejected'; reason: string };

/** The port every notifier implements; the outbox sees nothing else. */
export interface Notifier {
  name: string;
  send(n: Notification): Promise<SendResult>;
}

/** The title a channel shows when cleaning left nothing of the notification's own. */
export const FALLBACK_TITLE = 'sentinel notification';

/** Tags as one-line words of at most 64 units; empty ones go. */
export function cleanTags(tags: string[]): string[] {
  return tags.map((tag) => truncateUtf16Units(cleanLine(tag), 64)).filter((tag) => tag !== '');
}
