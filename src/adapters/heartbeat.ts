import { discardBody, fetchWithin } from './http-body.js';

export type PingResult = { kind: 'ok' } | { kind: 'failed'; reason: string };

/** A dead man's switch (healthchecks.io and the like): a GET after each successful run. Its URL
 * holds the check's secret id, so reasons never repeat it. */
export function createHeartbeat(opts: { url: string; timeoutMs?: number }) {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return {
    async ping(): Promise<PingResult> {
      try {
        const res = await fetchWithin(opts.url, { method: 'GET', redirect: 'follow' }, timeoutMs);
        await discardBody(res);
        return res.ok ? { kind: 'ok' } : { kind: 'failed', reason: `HTTP ${res.status} ${res.statusText}`.trim() };
      } catch (error) {
        const name = error instanceof Error ? error.name : '';
        if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'failed', reason: `no answer within ${timeoutMs / 1000} s` };
        const cause =
          error instanceof Error && error.cause instanceof Error
            ? error.cause.message
            : error instanceof Error
              ? error.message
              : String(error);
        return { kind: 'failed', reason: cause.replaceAll(opts.url, '<heartbeat.url>') };
      }
    },
  };
}
