/** Publishes notifications to an ntfy server as JSON (POST to the server root), or with the incident
 * file attached (PUT to the topic, the file as the body, the message in headers). */
import * as z from '../core/zod.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import { judgeAnswer, judgeFetchError, parseRetryAfter } from '../core/http-answer.js';
import { buildNtfyAttachmentHeaders, buildNtfyPayload, NTFY_ATTACHMENT_MAX_BYTES } from '../core/ntfy-payload.js';
import type { Notification, Notifier, SendResult } from '../core/notification.js';
import { fetchWithin, readCappedText } from './http-body.js';

export interface NtfyOptions {
  /** The server root, e.g. https://ntfy.example.com */
  url: string;
  topic: string;
  /** An access token (tk_…); sent only in the Authorization header. */
  token?: string;
  /** Click URL template; `{file}` becomes the URL-encoded incident file name. */
  click?: string;
  /** Opt-in: the incident file's text to attach (null: none), sent with ntfy's attachment upload. */
  readAttachment?: (file: string) => string | null;
  timeoutMs: number;
}

export function createNtfyNotifier(opts: NtfyOptions): Notifier {
  const endpoint = parseHttpUrl(opts.url);
  // Credentials files often end in a newline.
  const token = opts.token?.trim() || undefined;
  const secrets = token === undefined ? [] : [token];
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };

  const clickOption = opts.click === undefined ? {} : { click: opts.click };

  async function publish(
    url: URL,
    init: { method: string; headers: Record<string, string>; body: string },
  ): Promise<{ result: SendResult; code?: number }> {
    try {
      // A redirect could carry the token elsewhere; the configured URL must be the real one.
      const res = await fetchWithin(url, { ...init, redirect: 'manual' }, opts.timeoutMs);
      const body = await readCappedText(res).catch(() => '');
      const error = readNtfyError(body);
      const result = judgeAnswer({
        channel: 'ntfy',
        status: res.status,
        detail: error?.text ?? res.statusText,
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        secrets,
      });
      return error?.code === undefined ? { result } : { result, code: error.code };
    } catch (err) {
      return { result: judgeFetchError('ntfy', err, opts.timeoutMs, secrets) };
    }
  }

  async function send(n: Notification): Promise<SendResult> {
    const file = n.file === undefined ? null : (opts.readAttachment?.(n.file) ?? null);
    if (file !== null && Buffer.byteLength(file) <= NTFY_ATTACHMENT_MAX_BYTES) {
      const url = new URL(encodeURIComponent(opts.topic), endpoint);
      const attached = await publish(url, {
        method: 'PUT',
        headers: { ...auth, ...buildNtfyAttachmentHeaders(n, clickOption, n.file!) },
        body: file,
      });
      // A server without an attachment cache, or over its size limit: the alert still goes, without the file.
      if (!(attached.code === ATTACHMENTS_DISALLOWED || attached.code === ATTACHMENT_TOO_LARGE)) return attached.result;
    }
    const payload = buildNtfyPayload(n, { topic: opts.topic, ...clickOption });
    return (
      await publish(endpoint, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(payload) })
    ).result;
  }

  return { name: 'ntfy', send };
}

/** ntfy answers errors as {"code":42901,"http":429,"error":"limit reached: …","link":…}. */
const NtfyError = z.object({ error: z.string(), code: z.number().optional() });
// ntfy's codes for "this server keeps no attachments" and "the attachment is too large".
const ATTACHMENTS_DISALLOWED = 40014;
const ATTACHMENT_TOO_LARGE = 41301;

function readNtfyError(body: string): { text: string; code?: number } | undefined {
  const parsed = NtfyError.safeParse(parseJson(body));
  if (!parsed.success) return undefined;
  const { error, code } = parsed.data;
  return code === undefined ? { text: error } : { text: `${error} (code ${code})`, code };
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
