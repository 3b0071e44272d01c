/** Posts notifications to a Discord channel through an incoming webhook (execute webhook, one embed). */
import * as z from '../core/zod.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { buildDiscordPayload } from '../core/discord-payload.js';
import { judgeAnswer, judgeFetchError, parseRetryAfter } from '../core/http-answer.js';
import type { Notification, Notifier, SendResult } from '../core/notification.js';
import { fetchWithin, readCappedText } from './http-body.js';

export interface DiscordOptions {
  /** https://discord.com/api/webhooks/<id>/<token>: the URL itself is the secret. */
  webhookUrl: string;
  timeoutMs: number;
}

export function createDiscordNotifier(opts: DiscordOptions): Notifier {
  const endpoint = parseWebhookUrl(opts.webhookUrl);
  const secrets = [opts.webhookUrl, endpoint.href, endpoint.pathname.split('/').pop() ?? ''];
  // wait=true: Discord answers once the message is stored, so "sent" means it exists.
  endpoint.searchParams.set('wait', 'true');

  async function send(n: Notification): Promise<SendResult> {
    try {
      const res = await fetchWithin(
        endpoint,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(buildDiscordPayload(n)),
          redirect: 'manual',
        },
        opts.timeoutMs,
      );
      const error = DiscordError.safeParse(parseJson(await readCappedText(res).catch(() => '')));
      const retryAfter = error.success ? error.data.retry_after : undefined;
      return judgeAnswer({
        channel: 'discord',
        status: res.status,
        detail: error.success ? describeDiscordError(error.data) : res.statusText,
        retryAfterMs: retryAfter === undefined ? parseRetryAfter(res.headers.get('retry-after')) : Math.ceil(retryAfter * 1000),
        secrets,
      });
    } catch (err) {
      return judgeFetchError('discord', err, opts.timeoutMs, secrets);
    }
  }

  return { name: 'discord', send };
}

/** {"message":"Invalid Form Body","code":50035,…} or, on 429, {"message":…,"retry_after":1.5,"global":false}. */
const DiscordError = z.object({
  message: z.string(),
  code: z.number().optional(),
  retry_after: z.number().nonnegative().optional(),
});
type DiscordError = z.infer<typeof DiscordError>;

function describeDiscordError(e: DiscordError): string {
  const code = e.code === undefined || e.code === 0 ? '' : ` (code ${e.code})`;
  const retry = e.retry_after === undefined ? '' : ` (retry after ${e.retry_after} s)`;
  return `${e.message}${code}${retry}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseWebhookUrl(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    // Never echo the URL: it holds the webhook token.
    throw new SentinelError('discord: the webhook URL is not an http(s) URL', ExitCode.usage);
  }
  return parsed;
}
