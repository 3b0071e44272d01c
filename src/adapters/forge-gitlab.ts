import { callForgeApi } from './forge-http.js';
import type { Forge, ForgeFailure } from '../core/forge.js';
import type { Clock } from '../core/types.js';

export interface GitLabOptions {
  /** The API root, e.g. https://gitlab.com/api/v4. */
  apiUrl: string;
  /** GROUP/…/NAME. */
  project: string;
  token: string;
  clock: Clock;
  timeoutMs: number;
}

/** GitLab merge requests behind the same port: a draft is the `Draft: ` title prefix, which every
 * GitLab supports; the token only in the PRIVATE-TOKEN header. */
export function createGitLabForge(opts: GitLabOptions): Forge {
  const base = `${opts.apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(opts.project)}`;
  let webUrl = '';
  const call = async (method: string, path: string, body?: unknown): Promise<{ data: unknown } | ForgeFailure> => {
    const what = `${method} ${path || '/'}`;
    const headers = { 'private-token': opts.token, accept: 'application/json' };
    const response = await callForgeApi(`${base}${path}`, { method, headers, body }, opts.timeoutMs, what);
    if ('kind' in response) return response;
    const { data } = response;
    if (response.status >= 200 && response.status < 300) return { data };
    const message = gitlabMessage(data);
    const reason = `${what}: HTTP ${response.status}${message ? `: ${message}` : ''}`;
    const now = opts.clock.now();
    if (response.status === 429) {
      const after = Number(response.headers.get('retry-after'));
      const reset = Number(response.headers.get('ratelimit-reset'));
      return {
        kind: 'rate_limited',
        retryAt: Math.max(
          now + 1000,
          Number.isFinite(after) && after > 0 ? now + after * 1000 : Number.isFinite(reset) && reset > 0 ? reset * 1000 : now + 60_000,
        ),
        reason,
      };
    }
    if (response.status === 401 || response.status === 403 || response.status === 404) return { kind: 'auth', reason };
    if (response.status >= 500) return { kind: 'unavailable', reason };
    return { kind: 'invalid', reason: response.status === 409 ? `exists: ${reason}` : reason };
  };
  const toRequest = (mr: Record<string, unknown>) => ({ url: String(mr.web_url), number: Number(mr.iid) });

  return {
    async repository() {
      const r = await call('GET', '');
      if ('kind' in r) return r;
      const p = (r.data ?? {}) as Record<string, unknown>;
      webUrl = String(p.web_url ?? '');
      return { kind: 'ok', value: { private: p.visibility !== 'public', defaultBranch: String(p.default_branch ?? ''), htmlUrl: webUrl } };
    },
    async findOpenPull(branch) {
      const r = await call('GET', `/merge_requests?state=opened&source_branch=${encodeURIComponent(branch)}&per_page=5`);
      if ('kind' in r) return r;
      const first = Array.isArray(r.data) ? (r.data[0] as Record<string, unknown> | undefined) : undefined;
      return { kind: 'ok', value: first ? toRequest(first) : null };
    },
    async createDraftPull(pull) {
      const r = await call('POST', '/merge_requests', {
        source_branch: pull.head,
        target_branch: pull.base,
        title: `Draft: ${pull.title}`,
        description: pull.body,
        remove_source_branch: false,
      });
      if ('kind' in r) return r.kind === 'invalid' && r.reason.startsWith('exists: ') ? { kind: 'exists', reason: r.reason.slice(8) } : r;
      return { kind: 'ok', value: toRequest((r.data ?? {}) as Record<string, unknown>) };
    },
    async addLabels(number, labels) {
      const r = await call('PUT', `/merge_requests/${number}`, { add_labels: labels.join(',') });
      return 'kind' in r ? r : { kind: 'ok', value: null };
    },
    compareUrl: (baseBranch, branch) => `${webUrl}/-/compare/${encodeURIComponent(baseBranch)}...${encodeURI(branch)}`,
  };
}

/** GitLab's `message` is a string, a list, or an object of lists per field. */
function gitlabMessage(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const { message, error } = data as { message?: unknown; error?: unknown };
  const flat = (value: unknown): string[] =>
    typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.flatMap(flat)
        : value && typeof value === 'object'
          ? Object.entries(value).flatMap(([k, v]) => flat(v).map((m) => `${k} ${m}`))
          : [];
  return [...flat(message), ...flat(error)].join('; ').replace(/\s+/g, ' ').slice(0, 300);
}
