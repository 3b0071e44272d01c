/** What sentinel tells people, and how each channel is shaped and judged. Pure: no I/O, no clock. */

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

export const NTFY_MESSAGE_MAX_BYTES = 4000;
const TITLE_MAX = 256;
const FALLBACK_TITLE = 'sentinel notification';

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
    title: truncate(cleanLine(n.title), TITLE_MAX) || FALLBACK_TITLE,
    message: truncate(neutraliseImages(cleanText(n.message)), NTFY_MESSAGE_MAX_BYTES, utf8Length),
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

export interface DiscordEmbed {
  title: string;
  description?: string;
  color: number;
  fields: { name: string; value: string; inline: boolean }[];
  footer?: { text: string };
}

export interface DiscordPayload {
  embeds: [DiscordEmbed];
  allowed_mentions: { parse: [] };
}

/** Discord's documented embed limits, counted in characters. */
export const DISCORD_LIMITS = { title: 256, description: 4096, fieldValue: 1024, footer: 2048, total: 6000 };
const FOOTER_MAX = 256;

const DISCORD_COLOUR: Record<Severity, number> = {
  critical: 0xed4245,
  high: 0xe67e22,
  medium: 0xfee75c,
  low: 0x95a5a6,
};

export function buildDiscordPayload(n: Notification): DiscordPayload {
  const line = (text: string, max: number): string => truncate(neutraliseMentions(cleanLine(text)), max);
  const fields: DiscordEmbed['fields'] = [{ name: 'Severity', value: n.severity, inline: true }];
  if (n.file !== undefined && cleanLine(n.file) !== '') {
    fields.push({ name: 'Incident', value: line(n.file, DISCORD_LIMITS.fieldValue), inline: true });
  }
  const embed: DiscordEmbed = {
    title: line(n.title, DISCORD_LIMITS.title) || FALLBACK_TITLE,
    color: DISCORD_COLOUR[n.severity],
    fields,
  };
  const tags = cleanTags(n.tags).join(' · ');
  if (tags !== '') embed.footer = { text: line(tags, FOOTER_MAX) };
  // Whatever the rest takes, the description gets what is left of the 6000 in all.
  const room = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.total - measureEmbed(embed));
  const description = truncate(neutraliseMentions(cleanText(n.message)), room);
  if (description !== '') embed.description = description;
  return { embeds: [embed], allowed_mentions: { parse: [] } };
}

/** The characters Discord counts against the 6000 total. */
export function measureEmbed(embed: DiscordEmbed): number {
  const fields = embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  return embed.title.length + (embed.description?.length ?? 0) + fields + (embed.footer?.text.length ?? 0);
}

function cleanTags(tags: string[]): string[] {
  return tags.map((tag) => truncate(cleanLine(tag), 64)).filter((tag) => tag !== '');
}

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
  return truncate(cleanLine(redacted), 300);
}

// Log text reaches these fields: strip what could break a line, a header or a terminal.
const ANSI_ESCAPE = /\x1b\[[0-?]*[ -/]*[@-~]/g;
const LINE_BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]+/g;
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line: every break becomes a space, control and bidi characters go. */
export function cleanLine(text: string): string {
  return text.replace(ANSI_ESCAPE, '').replace(LINE_BREAKS, ' ').replace(CONTROLS, '').replace(/ {2,}/g, ' ').trim();
}

/** Several lines: CRLF becomes LF, tabs and newlines stay, other control characters go. */
export function cleanText(text: string): string {
  return text.replace(ANSI_ESCAPE, '').replace(/\r\n?/g, '\n').replace(CONTROLS, '').trim();
}

/** `!\u200b[…](url)`: ntfy renders Markdown and fetches an image on display, so a URL the model
 * wrote (log text may have asked it to) would be requested unclicked. The text stays readable. */
export function neutraliseImages(text: string): string {
  return text.replace(/!\[/g, '!\u200b[');
}

/** A zero-width space after the @ keeps the text readable and pings no one. */
export function neutraliseMentions(text: string): string {
  return text.replace(/@(everyone|here)/gi, '@\u200b$1');
}

export function utf8Length(text: string): number {
  let bytes = 0;
  for (const char of text) {
    const cp = char.codePointAt(0) ?? 0;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return bytes;
}

const ELLIPSIS = '\u2026';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/**
 * At most `max` as measured (UTF-16 units by default, at least what Discord counts), cut between
 * grapheme clusters so no character, emoji or accent is split, and marked with an ellipsis.
 */
export function truncate(text: string, max: number, measure: (s: string) => number = (s) => s.length): string {
  if (measure(text) <= max) return text;
  const budget = max - measure(ELLIPSIS);
  if (budget < 0) return '';
  // Every UTF-16 unit measures at least 1, so nothing past `max` can be kept; segmenting the
  // whole of a huge text would cost seconds. The prefix's last cluster may be cut, so it never fits.
  const prefix = text.slice(0, max + 1);
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(prefix)) {
    used += measure(segment);
    if (used > budget || index + segment.length === prefix.length) break;
    end = index + segment.length;
  }
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}
