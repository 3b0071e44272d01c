import type { StateStore } from '../core/state-store.js';
import { formatDuration } from '../core/duration.js';
import { retryDelay } from '../core/investigation-policy.js';
import type { Notification, Notifier } from '../core/notification.js';

const MAX_RETRY_AFTER_MS = 3_600_000;

export interface DeliverResult {
  sent: number;
  /** One line per notification not sent this run (will retry, or was dropped). */
  problems: string[];
}

/** Sends what the outbox holds, oldest first. A notification is marked sent only on a 2xx; a channel
 * that fails stops for this run, so its messages still arrive in order; past `maxAgeMs` a message is
 * dropped with a warning that `status` shows. */
export async function deliverOutbox(opts: {
  state: StateStore;
  notifiers: Map<string, Notifier | { missing: string }>;
  maxAgeMs: number;
  now: () => number;
  /** `--retry-now`: an operator fixed something and wants it sent without waiting for the backoff. */
  ignoreBackoff: boolean;
  /** A digest of each channel's configuration (URL, topic, token …): when it changed, the backoff ends. */
  channelConfigs: Map<string, string>;
}): Promise<DeliverResult> {
  const { state, now } = opts;
  const result: DeliverResult = { sent: 0, problems: [] };
  for (const [channel, config] of opts.channelConfigs) state.resetChangedChannel(channel, config, now());
  const stalled = opts.ignoreBackoff ? new Set<string>() : state.blockedChannels(now());
  for (const item of state.pendingOutbox(opts.ignoreBackoff ? Number.MAX_SAFE_INTEGER : now())) {
    if (stalled.has(item.channel)) continue;
    if (now() - item.createdAt > opts.maxAgeMs) {
      const message = `${item.channel}: notification for ${item.incidentPath} dropped after ${formatDuration(opts.maxAgeMs)} undelivered (notify.max_age)`;
      state.markDropped(item.id, message);
      state.addWarning(now(), 'notification-dropped', message);
      result.problems.push(message);
      continue;
    }
    const notifier = opts.notifiers.get(item.channel);
    const outcome = notifier && 'send' in notifier ? await notifier.send(JSON.parse(item.payload) as Notification) : null;
    if (outcome?.kind === 'sent') {
      state.markSent(item.id, now());
      result.sent++;
      continue;
    }
    // Retried even when rejected (a bad token, say): fixing the config must still deliver it.
    const reason =
      outcome === null
        ? `${item.channel}: ${notifier && 'missing' in notifier ? notifier.missing : 'channel no longer configured'}`
        : outcome.reason;
    // A server's Retry-After is honoured up to an hour: beyond, one answer could stall the channel.
    const delay =
      outcome?.kind === 'retry' && outcome.retryAfterMs !== undefined
        ? Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS)
        : retryDelay(item.attempts + 1);
    state.markRetry(item.id, reason, now() + delay, opts.channelConfigs.get(item.channel) ?? null);
    stalled.add(item.channel);
    result.problems.push(`${reason} (retry in ${formatDuration(Math.ceil(delay / 1000) * 1000)})`);
  }
  return result;
}
