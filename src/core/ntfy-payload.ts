/** A notification as ntfy receives it: a JSON publish, or the headers of an attachment upload. */
import { cleanTags, FALLBACK_TITLE, type Notification, type Severity } from './notification.js';
import { cleanLine, stripControls, truncateUtf8Bytes, truncateUtf16Units } from './text.js';

export const NTFY_MESSAGE_MAX_BYTES = 4000;
const TITLE_MAX = 256;

export interface NtfyPayload {
  topic: string;
  title: string;
  message: string;
  priority: 2 | 3 | 4 | 5;
  tags: string[];
  click?: string;
  markdown: true;
}

const NTFY_PRIORITY: Record<Severity, NtfyPayload['priority']> = { critical: 5, high: 4, medium: 3, low: 2 };

export function buildNtfyPayload(n: Notification, opts: { topic: string; click?: string }): NtfyPayload {
  const click = opts.click === undefined ? undefined : fillClickTemplate(opts.click, n.file);
  return {
    topic: opts.topic,
    title: truncateUtf16Units(cleanLine(n.title), TITLE_MAX) || FALLBACK_TITLE,
    message: truncateUtf8Bytes(neutraliseImages(stripControls(n.message).trim()), NTFY_MESSAGE_MAX_BYTES),
    priority: NTFY_PRIORITY[n.severity],
    tags: cleanTags(n.tags),
    ...(click === undefined ? {} : { click }),
    markdown: true,
  };
}

/** ntfy.sh's attachment limit for a visitor without an account; a server's own default is 15 MB. */
export const NTFY_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024;

/** The same message as `buildNtfyPayload`, as the headers of an attachment upload (PUT /<topic>, the
 * file as the body). Text headers are RFC 2047 encoded, so nothing in them can break a header line. */
export function buildNtfyAttachmentHeaders(n: Notification, opts: { click?: string }, fileName: string): Record<string, string> {
  const payload = buildNtfyPayload(n, { topic: '', ...opts });
  const headers: Record<string, string> = {
    title: encodeHeaderWord(payload.title),
    message: encodeHeaderWord(payload.message),
    priority: String(payload.priority),
    filename: encodeHeaderWord(cleanLine(fileName)),
    markdown: 'yes',
  };
  if (payload.tags.length) headers.tags = encodeHeaderWord(payload.tags.join(','));
  if (payload.click !== undefined) headers.click = encodeHeaderWord(payload.click);
  return headers;
}

const encodeHeaderWord = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

/** `{file}` becomes the URL-encoded file name; without a file there is nothing to link to. */
export function fillClickTemplate(template: string, file: string | undefined): string | undefined {
  if (!template.includes('{file}')) return template;
  return file === undefined ? undefined : template.replaceAll('{file}', encodeURIComponent(file));
}

/** `!\u200b[…](url)`: ntfy renders Markdown and fetches an image on display, so a URL the model
 * wrote (log text may have asked it to) would be requested unclicked. The text stays readable. */
function neutraliseImages(text: string): string {
  return text.replace(/!\[/g, '!\u200b[');
}
