import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { crc32 } from 'node:zlib';

/** One scripted answer of the fake Messages API, consumed in order, one per POST /v1/messages. */
export type FakeTurn =
  | { kind: 'text'; text: string }
  | { kind: 'tool_use'; name: string; input: Record<string, unknown>; text?: string }
  /** The CLI's structured-output tool, called with the final answer. */
  | { kind: 'structured_output'; output: unknown }
  | { kind: 'error'; status: 401 | 429 | 500 | 529 }
  /** A subscription's usage limit, as the API tells the CLI: 429 with the unified rate-limit headers. */
  | { kind: 'usage_limit'; resetsAt: number }
  /** Accept the request, then never answer. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the body was JSON, the raw text otherwise, null when empty. */
  body: unknown;
}

export interface FakeAnthropic {
  /** Base URL to put in ANTHROPIC_BASE_URL. */
  url: string;
  /** Every request, in arrival order. */
  requests: RecordedRequest[];
  /** The bodies of the POST /v1/messages requests. */
  messageBodies(): MessagesBody[];
  /** Requests to anything but POST /v1/messages and the HEAD / connection probe. */
  unexpectedRequests(): RecordedRequest[];
  close(): Promise<void>;
}

export interface MessagesBody {
  model: string;
  stream?: boolean;
  system?: unknown;
  tools?: { name: string; input_schema?: unknown }[];
  messages: { role: string; content: string | ContentBlock[] }[];
}

export type ContentBlock =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }
  | { type: 'tool_result'; tool_use_id: string; content: unknown; is_error?: boolean };

/** Google Vertex AI's route for Claude: the same Messages body and SSE stream, the model in the path. */
const VERTEX_PATH = /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/[^/:]+:streamRawPredict$/;

/** Amazon Bedrock's streaming route: the same Messages events, each in an AWS event-stream frame. */
const BEDROCK_STREAM_PATH = /^\/model\/[^/]+\/invoke-with-response-stream$/;

/** The structured-output tool the CLI offers when given --json-schema (seen on 2.1.197). */
export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

const ERRORS = {
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' },
  500: { type: 'api_error', message: 'Internal server error' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
} as const;

const USAGE = { input_tokens: 100, output_tokens: 20 };

/** The one credential the fake accepts, as the real API reads it: an API key in `x-api-key`, an
 * OAuth token as `Authorization: Bearer` with the oauth beta. Anything else is a 401. */
export type FakeCredential = { apiKey: string } | { oauthToken: string };

export async function startFakeAnthropic(turns: FakeTurn[], options: { credential?: FakeCredential } = {}): Promise<FakeAnthropic> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let nextTurn = 0;
  let messageCount = 0;

  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = parseBody(raw);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'HEAD' && path === '/') {
        res.writeHead(200).end(); // the CLI pre-connects with HEAD /
      } else if (req.method === 'POST' && isMessagesPath(path ?? '')) {
        messageCount += 1;
        const refused = options.credential ? checkCredential(options.credential, req.headers) : null;
        if (refused) {
          sendError(res, 401, { type: 'authentication_error', message: refused });
          return;
        }
        const turn = turns[nextTurn++] ?? { kind: 'text', text: '(fake: script exhausted)' };
        const bedrock = BEDROCK_STREAM_PATH.test(path ?? ''); // streaming by its route, not by the body
        answerTurn(
          turn,
          bedrock ? { ...(body as MessagesBody), stream: true } : (body as MessagesBody),
          `msg_${messageCount}`,
          res,
          bedrock ? 'bedrock' : 'sse',
        );
      } else {
        sendError(res, 404, { type: 'not_found_error', message: `fake: no route ${req.method} ${path}` });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    messageBodies: () =>
      requests.filter((r) => r.method === 'POST' && isMessagesPath(r.url.split('?')[0] ?? '')).map((r) => r.body as MessagesBody),
    unexpectedRequests: () =>
      requests.filter((r) => {
        const path = r.url.split('?')[0];
        return !(r.method === 'POST' && isMessagesPath(path ?? '')) && !(r.method === 'HEAD' && path === '/');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy(); // hung requests would keep close() waiting
        server.close(() => resolve());
      }),
  };
}

function checkCredential(credential: FakeCredential, headers: IncomingMessage['headers']): string | null {
  const { authorization, 'x-api-key': apiKey } = headers;
  if ('apiKey' in credential) {
    if (authorization !== undefined) return 'fake: an API key run must not send Authorization';
    return apiKey === credential.apiKey ? null : 'invalid x-api-key';
  }
  if (apiKey !== undefined) return 'fake: an OAuth run must not send x-api-key';
  if (
    !String(headers['anthropic-beta'] ?? '')
      .split(',')
      .includes('oauth-2025-04-20')
  )
    return 'OAuth authentication is currently not supported.';
  return authorization === `Bearer ${credential.oauthToken}` ? null : 'Invalid bearer token';
}

const isMessagesPath = (path: string) => path === '/v1/messages' || VERTEX_PATH.test(path) || BEDROCK_STREAM_PATH.test(path);

/** One AWS event-stream message (prelude, string headers, payload, CRCs) carrying one Messages event. */
function bedrockFrame(data: object): Buffer {
  const payload = Buffer.from(JSON.stringify({ bytes: Buffer.from(JSON.stringify(data)).toString('base64') }));
  const headers = Buffer.concat(
    Object.entries({ ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' }).map(([name, value]) => {
      const head = Buffer.alloc(1 + name.length + 3);
      head.writeUInt8(name.length, 0);
      head.write(name, 1);
      head.writeUInt8(7, 1 + name.length); // string
      head.writeUInt16BE(Buffer.byteLength(value), 2 + name.length);
      return Buffer.concat([head, Buffer.from(value)]);
    }),
  );
  const prelude = Buffer.alloc(8);
  prelude.writeUInt32BE(12 + headers.length + payload.length + 4, 0);
  prelude.writeUInt32BE(headers.length, 4);
  const preludeCrc = Buffer.alloc(4);
  preludeCrc.writeUInt32BE(crc32(prelude), 0);
  const message = Buffer.concat([prelude, preludeCrc, headers, payload]);
  const messageCrc = Buffer.alloc(4);
  messageCrc.writeUInt32BE(crc32(message), 0);
  return Buffer.concat([message, messageCrc]);
}

function answerTurn(turn: FakeTurn, body: MessagesBody, id: string, res: ServerResponse, framing: 'sse' | 'bedrock' = 'sse'): void {
  if (turn.kind === 'hang') return;
  if (turn.kind === 'usage_limit') {
    res.setHeader('anthropic-ratelimit-unified-status', 'rejected');
    res.setHeader('anthropic-ratelimit-unified-reset', String(Math.floor(turn.resetsAt / 1000)));
    res.setHeader('anthropic-ratelimit-unified-representative-claim', 'five_hour');
    sendError(res, 429, {
      type: 'rate_limit_error',
      message: "This request would exceed your account's rate limit. Please try again later.",
    });
    return;
  }
  if (turn.kind === 'error') {
    sendError(res, turn.status, ERRORS[turn.status]);
    return;
  }
  const content = renderContent(turn, id);
  const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const message = { id, type: 'message', role: 'assistant', model: body.model, stop_sequence: null };
  if (body.stream !== true) {
    sendJson(res, 200, { ...message, content, stop_reason: stopReason, usage: USAGE });
    return;
  }
  if (framing === 'bedrock') res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': `req_${id}` });
  else res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${id}` });
  const send = (type: string, data: object) =>
    res.write(framing === 'bedrock' ? bedrockFrame({ type, ...data }) : `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', {
    message: { ...message, content: [], stop_reason: null, usage: { input_tokens: USAGE.input_tokens, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else if (block.type === 'tool_use') {
      send('content_block_start', { index, content_block: { ...block, input: {} } });
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: USAGE.output_tokens } });
  send('message_stop', {});
  res.end();
}

function renderContent(turn: Exclude<FakeTurn, { kind: 'hang' | 'error' | 'usage_limit' }>, id: string): ContentBlock[] {
  switch (turn.kind) {
    case 'text':
      return [{ type: 'text', text: turn.text }];
    case 'tool_use': {
      const call: ContentBlock = { type: 'tool_use', id: `toolu_${id}`, name: turn.name, input: turn.input };
      return turn.text === undefined ? [call] : [{ type: 'text', text: turn.text }, call];
    }
    case 'structured_output':
      return [{ type: 'tool_use', id: `toolu_${id}`, name: STRUCTURED_OUTPUT_TOOL, input: turn.output }];
  }
}

function sendError(res: ServerResponse, status: number, error: { type: string; message: string }): void {
  // Same shape as the real API, including the hint the SDK reads to decide on retries.
  const limited = res.hasHeader('anthropic-ratelimit-unified-status'); // a usage limit: retrying cannot help
  res.setHeader('x-should-retry', !limited && (status >= 500 || status === 429) ? 'true' : 'false');
  if (status === 429 && !limited) res.setHeader('retry-after', '1');
  sendJson(res, status, { type: 'error', error, request_id: `req_fake_${status}` });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' }).end(JSON.stringify(value));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseBody(raw: string): unknown {
  if (raw === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
