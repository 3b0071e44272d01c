/**
 * A stand-in ntfy server on 127.0.0.1 that checks JSON publishing the way ntfy does: a topic
 * matching ntfy's rules, priority 1–5, tags as strings, a message within the size limit, and a
 * Bearer token when one is configured. Answers carry ntfy's error JSON. Tests can script trouble.
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { startScriptedServer } from './scripted-server.js';

export interface NtfyMessage {
  topic: string;
  title?: string;
  message?: string;
  priority?: number;
  tags?: string[];
  click?: string;
  markdown?: boolean;
  /** Published to `/<topic>` with a body as a file: ntfy's attachment upload. */
  attachment?: { name: string; body: string };
}

export interface FakeNtfy {
  /** The server root, as a notifier is configured with it. */
  url: string;
  /** Messages the server accepted, in order. */
  messages: NtfyMessage[];
  /** Every request, accepted or not. */
  requests: { headers: IncomingHttpHeaders; body: string }[];
  /** The next `count` requests get this answer instead of being handled. */
  failNext(count: number, status: 429 | 500): void;
  /** The next `count` requests wait `ms` before they are handled. */
  delayNext(count: number, ms: number): void;
  /** Stops listening: the port is then closed, as if ntfy were down. */
  close(): Promise<void>;
}

const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
const MESSAGE_LIMIT = 4096;
/** ntfy.sh's attachment file size limit for anonymous visitors (the server's default is 15M). */
export const ATTACHMENT_LIMIT = 2 * 1024 * 1024;

// ntfy's own error values (server/errors.go).
const ERRORS = {
  jsonInvalid: { code: 40024, http: 400, error: 'invalid request: request body must be valid JSON' },
  messageJsonInvalid: { code: 40017, http: 400, error: 'invalid request: request body must be message JSON' },
  topicInvalid: { code: 40009, http: 400, error: 'invalid request: topic invalid' },
  priorityInvalid: { code: 40007, http: 400, error: 'invalid priority parameter' },
  attachmentsDisallowed: { code: 40014, http: 400, error: 'invalid request: attachments not allowed' },
  attachmentTooLarge: { code: 41301, http: 413, error: 'too large: attachment too large, or bandwidth limit reached' },
  unauthorized: { code: 40101, http: 401, error: 'unauthorized' },
  forbidden: { code: 40301, http: 403, error: 'forbidden' },
  notFound: { code: 40401, http: 404, error: 'page not found' },
  tooManyRequests: { code: 42901, http: 429, error: 'limit reached: too many requests, please be nice' },
  internal: { code: 50001, http: 500, error: 'internal server error' },
} as const;

/** `attachments: false`: a server without an attachment cache (ntfy's default), which refuses files. */
export async function startFakeNtfy(opts: { token?: string; attachments?: boolean } = {}): Promise<FakeNtfy> {
  const messages: NtfyMessage[] = [];
  const failures: (429 | 500)[] = [];
  const server = await startScriptedServer((req, res, body) => {
    const failure = failures.shift();
    if (failure !== undefined) return sendError(res, failure === 429 ? ERRORS.tooManyRequests : ERRORS.internal);
    if (req.method !== 'POST' && req.method !== 'PUT') return sendError(res, ERRORS.notFound);
    const auth = req.headers.authorization;
    if (opts.token !== undefined && auth === undefined) return sendError(res, ERRORS.forbidden);
    if (opts.token !== undefined && auth !== `Bearer ${opts.token}`) return sendError(res, ERRORS.unauthorized);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const checked = path === '/' ? checkMessage(body) : readTopicPublish(path.slice(1), req.headers, body, opts.attachments ?? true);
    if ('error' in checked) return sendError(res, checked);
    messages.push(checked);
    const stored = { id: randomUUID().slice(0, 12), time: Math.floor(Date.now() / 1000), event: 'message', ...checked };
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(stored)}\n`);
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    messages,
    requests: server.requests,
    failNext: (count, status) => failures.push(...Array<429 | 500>(count).fill(status)),
    delayNext: server.delayNext,
    close: server.close,
  };
}

type NtfyErrorBody = { code: number; http: number; error: string };

function checkMessage(body: string): NtfyMessage | NtfyErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return ERRORS.jsonInvalid;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return ERRORS.messageJsonInvalid;
  const m = parsed as Record<string, unknown>;
  if (typeof m.topic !== 'string' || !TOPIC.test(m.topic)) return ERRORS.topicInvalid;
  if (m.priority !== undefined && !(Number.isInteger(m.priority) && Number(m.priority) >= 1 && Number(m.priority) <= 5)) {
    return ERRORS.priorityInvalid;
  }
  const strings = ['title', 'message', 'click'].every((k) => m[k] === undefined || typeof m[k] === 'string');
  const tags = m.tags === undefined || (Array.isArray(m.tags) && m.tags.every((t) => typeof t === 'string'));
  if (!strings || !tags || (m.markdown !== undefined && typeof m.markdown !== 'boolean')) return ERRORS.messageJsonInvalid;
  // Without an attachment cache, ntfy refuses a message too long to send inline.
  if (typeof m.message === 'string' && Buffer.byteLength(m.message) > MESSAGE_LIMIT) return ERRORS.attachmentsDisallowed;
  return m as unknown as NtfyMessage;
}

/** Publishing to `/<topic>`: the body is the message, or with `Filename` the attached file (the
 * message then in the `Message` header); the rest in headers, RFC 2047 encoded when not ASCII. */
function readTopicPublish(topic: string, headers: IncomingHttpHeaders, body: string, attachments: boolean): NtfyMessage | NtfyErrorBody {
  if (!TOPIC.test(topic)) return ERRORS.topicInvalid;
  const header = (...names: string[]) => {
    const value = names.map((n) => headers[n.toLowerCase()]).find((v) => typeof v === 'string') as string | undefined;
    return value === undefined ? undefined : decodeRfc2047(value);
  };
  const priority = header('Priority', 'X-Priority', 'p');
  if (priority !== undefined && !/^[1-5]$/.test(priority)) return ERRORS.priorityInvalid;
  const filename = header('Filename', 'X-Filename', 'file', 'f');
  if (filename !== undefined && !attachments) return ERRORS.attachmentsDisallowed;
  if (filename !== undefined && Buffer.byteLength(body) > ATTACHMENT_LIMIT) return ERRORS.attachmentTooLarge;
  const message = filename === undefined ? body : header('Message', 'X-Message', 'm');
  const m: NtfyMessage = { topic };
  const title = header('Title', 'X-Title', 't');
  const tags = header('Tags', 'X-Tags', 'ta');
  const click = header('Click', 'X-Click');
  if (title !== undefined) m.title = title;
  if (message !== undefined) m.message = message;
  if (priority !== undefined) m.priority = Number(priority);
  if (tags !== undefined) m.tags = tags.split(',').map((t) => t.trim());
  if (click !== undefined) m.click = click;
  if (header('Markdown', 'X-Markdown', 'md') === 'yes') m.markdown = true;
  if (filename !== undefined) m.attachment = { name: filename, body };
  return m;
}

/** `=?UTF-8?B?…?=` (what ntfy's header reading decodes); anything else as it is. */
function decodeRfc2047(value: string): string {
  const match = /^=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=$/i.exec(value);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : value;
}

function sendError(res: ServerResponse, e: NtfyErrorBody): void {
  res.writeHead(e.http, { 'content-type': 'application/json' }).end(`${JSON.stringify(e)}\n`);
}
