/** Publishes notifications to an ntfy server as JSON (POST to the server root). */
import { z } from 'zod';
import { ExitCode, SentinelError } from '../core/errors.js';
import { buildNtfyPayload, judgeAnswer, judgeFetchError, parseRetryAfter } from '../core/notification.js';
import type { Notification, Notifier, SendResult } from '../core/notification.js';
import { readCappedText } from './http-body.js';

export interface NtfyOptions {
  /** The server root, e.g. https://ntfy.example.com */
  url: string;
  topic: string;
  /** An access token (tk_…); sent only in the Authorization header. */
  token?: string;
  /** Click URL template; `{file}` becomes the URL-encoded incident file name. */
  click?: string;
  timeoutMs: number;
}

export function createNtfyNotifier(opts: NtfyOptions): Notifier {
  const endpoint = parseHttpUrl(opts.url);
  // Credentials files often end in a newline.
  const token = opts.token?.trim() || undefined;
  const secrets = token === undefined ? [] : [token];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;

  async function send(n: Notification): Promise<SendResult> {
    const payload = buildNtfyPayload(n, opts.click === undefined ? { topic: opts.topic } : { topic: opts.topic, click: opts.click });
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: JSON.stringify(payload),
        // A redirect could carry the token elsewhere; the configured URL must be the real one.
        redirect: 'manual',
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const body = await readCappedText(res).catch(() => '');
      return judgeAnswer({
        channel: 'ntfy',
        status: res.status,
        detail: readNtfyError(body) ?? res.statusText,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        secrets,
      });
    } catch (err) {
      return judgeFetchError('ntfy', err, opts.timeoutMs, secrets);
    }
  }

  return { name: 'ntfy', send };
}

/** ntfy answers errors as {"code":42901,"http":429,"error":"limit reached: …","link":…}. */
const NtfyError = z.object({ error: z.string(), code: z.number().optional() });

function readNtfyError(body: string): string | undefined {
  const parsed = NtfyError.safeParse(parseJson(body));
  if (!parsed.success) return undefined;
  const { error, code } = parsed.data;
  return code === undefined ? error : `${error} (code ${code})`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseHttpUrl(url: string): URL {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new SentinelError(`ntfy: url is not an http(s) URL: ${url}`, ExitCode.usage);
  }
  return parsed;
}
