/**
 * A stand-in Discord webhook on 127.0.0.1: POST /api/webhooks/<id>/<token>[?wait=true], checked the
 * way Discord does (content or embeds required, embed limits counted in characters, valid
 * allowed_mentions), answering with Discord's error shapes. Tests can script trouble.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { startScriptedServer } from './scripted-server.js';

export interface DiscordMessage {
  content?: string;
  embeds?: Record<string, unknown>[];
  allowed_mentions?: { parse?: string[] };
}

export interface FakeDiscord {
  /** The webhook URL, token included. */
  webhookUrl: string;
  /** Messages the webhook accepted, in order. */
  messages: DiscordMessage[];
  requests: { url: string; headers: IncomingHttpHeaders; body: string }[];
  /** The next `count` requests get this answer; a 429 says to retry after `retryAfterS`. */
  failNext(count: number, status: 429 | 500, retryAfterS?: number): void;
  delayNext(count: number, ms: number): void;
  close(): Promise<void>;
}

export const WEBHOOK_ID = '1234567890123456789';
export const WEBHOOK_TOKEN = 'wh-SECRET-token_abcdefghijklmnop';

/** Discord counts characters, not UTF-16 units or bytes. */
const chars = (s: string): number => [...s].length;
type Trouble = { status: 429 | 500; retryAfterS: number };
type Errors = Record<string, unknown>;

export async function startFakeDiscord(): Promise<FakeDiscord> {
  const messages: DiscordMessage[] = [];
  const troubles: Trouble[] = [];
  const server = await startScriptedServer((req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const trouble = troubles.shift();
    if (trouble?.status === 429) {
      const limited = { message: 'You are being rate limited.', retry_after: trouble.retryAfterS, global: false };
      return send(res, 429, limited, { 'retry-after': String(Math.ceil(trouble.retryAfterS)) });
    }
    if (trouble?.status === 500) return send(res, 500, { message: '500: Internal Server Error', code: 0 });
    const match = /^\/api\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || match === null) return send(res, 404, { message: '404: Not Found', code: 0 });
    if (match[1] !== WEBHOOK_ID) return send(res, 404, { message: 'Unknown Webhook', code: 10015 });
    if (match[2] !== WEBHOOK_TOKEN) return send(res, 401, { message: 'Invalid Webhook Token', code: 50027 });
    const checked = checkMessage(body);
    if (checked.kind === 'empty') return send(res, 400, { message: 'Cannot send an empty message', code: 50006 });
    if (checked.kind === 'invalid') return send(res, 400, { code: 50035, errors: checked.errors, message: 'Invalid Form Body' });
    messages.push(checked.message);
    if (url.searchParams.get('wait') !== 'true') return void res.writeHead(204).end();
    send(res, 200, { id: String(messages.length), type: 0, webhook_id: WEBHOOK_ID, ...checked.message });
  });
  return {
    webhookUrl: `http://127.0.0.1:${server.port}/api/webhooks/${WEBHOOK_ID}/${WEBHOOK_TOKEN}`,
    messages,
    requests: server.requests,
    failNext: (count, status, retryAfterS = 1.5) => troubles.push(...Array<Trouble>(count).fill({ status, retryAfterS })),
    delayNext: server.delayNext,
    close: server.close,
  };
}

type Checked = { kind: 'ok'; message: DiscordMessage } | { kind: 'empty' } | { kind: 'invalid'; errors: Errors };

function checkMessage(body: string): Checked {
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { kind: 'invalid', errors: { _errors: [{ code: 'JSON_INVALID', message: 'Invalid JSON' }] } };
  }
  const errors: Errors = {};
  const content = typeof m.content === 'string' ? m.content : '';
  if (chars(content) > 2000) errors.content = tooLong(2000);
  const embeds = Array.isArray(m.embeds) ? (m.embeds as Record<string, unknown>[]) : [];
  if (embeds.length > 10) errors.embeds = tooLong(10);
  let total = 0;
  embeds.forEach((embed, i) => {
    const embedErrors = checkEmbed(embed);
    total += embedErrors.size;
    if (Object.keys(embedErrors.errors).length > 0) errors.embeds = { ...(errors.embeds as Errors), [i]: embedErrors.errors };
  });
  if (total > 6000) errors.embeds = { _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }] };
  const parse = (m.allowed_mentions as { parse?: unknown } | undefined)?.parse;
  if (parse !== undefined && !(Array.isArray(parse) && parse.every((p) => ['roles', 'users', 'everyone'].includes(String(p))))) {
    errors.allowed_mentions = {
      parse: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {roles, users, everyone}.' }] },
    };
  }
  if (Object.keys(errors).length > 0) return { kind: 'invalid', errors };
  if (content === '' && embeds.length === 0) return { kind: 'empty' };
  return { kind: 'ok', message: m as DiscordMessage };
}

function checkEmbed(embed: Record<string, unknown>): { size: number; errors: Errors } {
  const errors: Errors = {};
  let size = 0;
  const text = (value: unknown, max: number, path: string[]): void => {
    if (value === undefined) return;
    const s = String(value);
    size += chars(s);
    if (chars(s) > max) setPath(errors, path, tooLong(max));
  };
  text(embed.title, 256, ['title']);
  text(embed.description, 4096, ['description']);
  text((embed.footer as { text?: unknown } | undefined)?.text, 2048, ['footer', 'text']);
  text((embed.author as { name?: unknown } | undefined)?.name, 256, ['author', 'name']);
  const fields = Array.isArray(embed.fields) ? (embed.fields as { name?: unknown; value?: unknown }[]) : [];
  if (fields.length > 25) errors.fields = tooLong(25);
  fields.forEach((field, i) => {
    for (const [key, max] of [
      ['name', 256],
      ['value', 1024],
    ] as const) {
      if (typeof field[key] !== 'string' || field[key] === '') setPath(errors, ['fields', String(i), key], required());
      else text(field[key], max, ['fields', String(i), key]);
    }
  });
  return { size, errors };
}

function setPath(errors: Errors, path: string[], leaf: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) errors[head] = leaf;
  else setPath((errors[head] ??= {}) as Errors, rest, leaf);
}

const tooLong = (max: number): Errors => ({ _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` }] });
const required = (): Errors => ({ _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
