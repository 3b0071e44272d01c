import { callForgeApi } from './forge-http.js';
import type { ForgeFailure, Forge } from '../core/forge.js';
import type { Clock } from '../core/types.js';

export interface GitHubOptions {
  apiUrl: string;
  /** OWNER/NAME. */
  repository: string;
  token: string;
  clock: Clock;
  timeoutMs: number;
}

/** GitHub's REST API with plain fetch: the token only ever in the Authorization header. */
export function createGitHubForge(opts: GitHubOptions): Forge {
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/repos/${opts.repository}`;
  const owner = opts.repository.split('/')[0]!;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; data: Record<string, unknown>; headers: Headers } | ForgeFailure> => {
    const what = `${method} ${path || '/'}`;
    const headers = { authorization: `Bearer ${opts.token}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
    const answer = await callForgeApi(`${base}${path}`, { method, headers, body }, opts.timeoutMs, what);
    if ('kind' in answer) return answer;
    const data = answer.data && typeof answer.data === 'object' ? (answer.data as Record<string, unknown>) : {};
    return (
      classify(answer.status, answer.headers, data, opts.clock.now(), what) ?? { status: answer.status, data, headers: answer.headers }
    );
  };

  return {
    async repository() {
      const r = await call('GET', '');
      if ('kind' in r) return r;
      return {
        kind: 'ok',
        value: {
          private: r.data.private === true,
          defaultBranch: String(r.data.default_branch ?? ''),
          htmlUrl: String(r.data.html_url ?? ''),
        },
      };
    },
    async findOpenPull(branch) {
      const r = await call('GET', `/pulls?state=open&head=${encodeURIComponent(`${owner}:${branch}`)}&per_page=5`);
      if ('kind' in r) return r;
      const first = Array.isArray(r.data) ? (r.data[0] as Record<string, unknown> | undefined) : undefined;
      return { kind: 'ok', value: first ? { url: String(first.html_url), number: Number(first.number) } : null };
    },
    async createDraftPull(pull) {
      const r = await call('POST', '/pulls', { ...pull, draft: true, maintainer_can_modify: false });
      if ('kind' in r) {
        if (r.kind !== 'invalid') return r;
        if (/draft pull requests are not supported/i.test(r.reason)) return { kind: 'drafts_unsupported', reason: r.reason };
        if (/a pull request already exists/i.test(r.reason)) return { kind: 'exists', reason: r.reason };
        return r;
      }
      return { kind: 'ok', value: { url: String(r.data.html_url), number: Number(r.data.number) } };
    },
    async addLabels(number, labels) {
      const r = await call('POST', `/issues/${number}/labels`, { labels });
      return 'kind' in r ? r : { kind: 'ok', value: null };
    },
    compareUrl: (baseBranch, branch) =>
      `https://github.com/${opts.repository}/compare/${encodeURIComponent(baseBranch)}...${encodeURI(branch)}?expand=1`,
  };
}

/** 401, and 403 without rate-limit signs: the token. 403/429 with them: wait until the reset.
 * 5xx: later. 4xx else: a typed reason with GitHub's own messages. */
function classify(status: number, headers: Headers, data: Record<string, unknown>, now: number, what: string): ForgeFailure | null {
  if (status >= 200 && status < 300) return null;
  const message = githubMessage(data);
  const reason = `${what}: HTTP ${status}${message ? `: ${message}` : ''}`;
  const retryAfter = Number(headers.get('retry-after'));
  const remaining = headers.get('x-ratelimit-remaining');
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (status === 429 || (status === 403 && (remaining === '0' || headers.has('retry-after')))) {
    const retryAt =
      headers.has('retry-after') && Number.isFinite(retryAfter)
        ? now + retryAfter * 1000
        : remaining === '0' && Number.isFinite(reset)
          ? reset * 1000
          : now + 60_000;
    return { kind: 'rate_limited', retryAt: Math.max(retryAt, now + 1000), reason };
  }
  if (status === 401 || status === 403 || status === 404) return { kind: 'auth', reason };
  if (status >= 500) return { kind: 'unavailable', reason };
  return { kind: 'invalid', reason };
}

/** `message`, and the messages of `errors[]`: GitHub puts the useful part in either. */
function githubMessage(data: Record<string, unknown>): string {
  const parts = [typeof data.message === 'string' ? data.message : ''];
  if (Array.isArray(data.errors)) {
    for (const e of data.errors)
      if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')
        parts.push((e as { message: string }).message);
  }
  return parts.filter(Boolean).join('; ').replace(/\s+/g, ' ').slice(0, 300);
}
