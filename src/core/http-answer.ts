/** A channel's HTTP answer, or the fetch that got none, as a send result: sent, worth a retry, or not. */
import type { SendResult } from './notification.js';
import { cleanLine, truncateUtf16Units } from './text.js';

export interface HttpAnswer {
  channel: string;
  status: number;
  /** The server's own words (ntfy's `error`, Discord's `message`), or the status text. */
  detail: string;
  retryAfterMs?: number;
  /** Never shown: replaced wherever the server echoes them. */
  secrets: string[];
}

export function judgeAnswer(a: HttpAnswer): SendResult {
  if (a.status >= 200 && a.status < 300) return { kind: 'sent' };
  const reason = writeReason(`${a.channel}: HTTP ${a.status} ${a.detail}`, a.secrets);
  if (a.status === 429 || a.status === 408 || a.status >= 500) {
    return a.retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs: a.retryAfterMs };
  }
  return { kind: 'rejected', reason };
}

/** A fetch that threw: a timeout or a network failure is worth retrying, a malformed request is not. */
export function judgeFetchError(channel: string, err: unknown, timeoutMs: number, secrets: string[]): SendResult {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'retry', reason: `${channel}: no answer within ${timeoutMs} ms` };
  }
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
  if (err instanceof TypeError && message !== 'fetch failed') {
    return { kind: 'rejected', reason: writeReason(`${channel}: request not sent: ${message}`, secrets) };
  }
  return { kind: 'retry', reason: writeReason(`${channel}: network error: ${cause ?? message}`, secrets) };
}

/** `Retry-After` in delta-seconds; the HTTP-date form would need a clock and no notifier sends it. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^\s*\d+(\.\d+)?\s*$/.test(value)) return undefined;
  return Math.ceil(Number(value) * 1000);
}

function writeReason(text: string, secrets: string[]): string {
  const redacted = secrets.filter((s) => s !== '').reduce((t, s) => t.replaceAll(s, '***'), text);
  return truncateUtf16Units(cleanLine(redacted), 300);
}
