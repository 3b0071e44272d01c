import { describe, expect, it } from 'vitest';
import { judgeAnswer, judgeFetchError, parseRetryAfter } from '../../src/core/http-answer.js';

describe('judgeAnswer', () => {
  const answer = (status: number, retryAfterMs?: number) =>
    judgeAnswer({ channel: 'ntfy', status, detail: 'why', secrets: [], ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

  it.each([200, 201, 204])('HTTP %i is sent', (status) => {
    expect(answer(status)).toEqual({ kind: 'sent' });
  });

  it.each([408, 429, 500, 502, 503, 504])('HTTP %i is worth a retry', (status) => {
    expect(answer(status)).toEqual({ kind: 'retry', reason: `ntfy: HTTP ${status} why` });
  });

  it.each([301, 400, 401, 403, 404, 413])('HTTP %i is rejected', (status) => {
    expect(answer(status)).toEqual({ kind: 'rejected', reason: `ntfy: HTTP ${status} why` });
  });

  it('passes the server wait time on', () => {
    expect(answer(429, 2500)).toEqual({ kind: 'retry', reason: 'ntfy: HTTP 429 why', retryAfterMs: 2500 });
  });

  it('hides a secret the server echoes and keeps the reason on one line', () => {
    const result = judgeAnswer({ channel: 'ntfy', status: 401, detail: 'bad token tk_SECRET\r\nX-Evil: 1', secrets: ['tk_SECRET'] });
    expect(result).toEqual({ kind: 'rejected', reason: 'ntfy: HTTP 401 bad token *** X-Evil: 1' });
  });
});

describe('judgeFetchError', () => {
  it('retries after a timeout', () => {
    const err = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(judgeFetchError('ntfy', err, 500, [])).toEqual({ kind: 'retry', reason: 'ntfy: no answer within 500 ms' });
  });

  it('retries after a network failure, naming the cause', () => {
    const err = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    expect(judgeFetchError('discord', err, 500, [])).toEqual({
      kind: 'retry',
      reason: 'discord: network error: connect ECONNREFUSED 127.0.0.1:9',
    });
  });

  it('rejects a request that could not be built, without the secret in it', () => {
    const err = new TypeError('Headers.append: "Bearer tk_a\nb" is an invalid header value.');
    expect(judgeFetchError('ntfy', err, 500, ['tk_a\nb'])).toEqual({
      kind: 'rejected',
      reason: 'ntfy: request not sent: Headers.append: "Bearer ***" is an invalid header value.',
    });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['3', 3000],
    ['1.5', 1500],
    [' 0 ', 0],
    ['Wed, 21 Oct 2015 07:28:00 GMT', undefined],
    ['-1', undefined],
    [null, undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value)).toBe(expected);
  });
});
