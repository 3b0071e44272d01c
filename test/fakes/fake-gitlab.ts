import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeMergeRequest {
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  labels: string[];
}

export interface FakeGitLab {
  /** The API root, as autofix.repository.api_url. */
  url: string;
  mergeRequests: FakeMergeRequest[];
  requests: { method: string; path: string; token: string | undefined }[];
  /** Answer the next request with 429 and this Retry-After. */
  rateLimitNext: number | null;
  close(): Promise<void>;
}

/** The merge-request slice of GitLab's REST API v4, with its status codes and error bodies. */
export async function startFakeGitLab(opts: {
  project: string;
  token: string;
  visibility?: 'private' | 'internal' | 'public';
}): Promise<FakeGitLab> {
  const state: FakeGitLab = { url: '', mergeRequests: [], requests: [], rateLimitNext: null, close: async () => undefined };
  const prefix = `/api/v4/projects/${encodeURIComponent(opts.project)}`;
  const web = `https://gitlab.example.com/${opts.project}`;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const token = req.headers['private-token'] as string | undefined;
      state.requests.push({ method: req.method ?? '', path: `${url.pathname}${url.search}`, token });
      if (state.rateLimitNext !== null) {
        const after = state.rateLimitNext;
        state.rateLimitNext = null;
        return send(res, 429, { message: 'Retry later' }, { 'retry-after': String(after) });
      }
      if (token !== opts.token) return send(res, 401, { message: '401 Unauthorized' });
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>) : {};
      // GitLab decodes %2F in the project id: the raw path keeps it encoded.
      const path = (req.url ?? '').split('?')[0]!;
      const render = (mr: FakeMergeRequest) => ({
        ...mr,
        state: 'opened',
        draft: mr.title.startsWith('Draft: '),
        web_url: `${web}/-/merge_requests/${mr.iid}`,
      });
      if (req.method === 'GET' && path === prefix)
        return send(res, 200, {
          id: 7,
          path_with_namespace: opts.project,
          visibility: opts.visibility ?? 'private',
          default_branch: 'main',
          web_url: web,
        });
      if (req.method === 'GET' && path === `${prefix}/merge_requests`) {
        return send(res, 200, state.mergeRequests.filter((m) => m.source_branch === url.searchParams.get('source_branch')).map(render));
      }
      if (req.method === 'POST' && path === `${prefix}/merge_requests`) {
        const existing = state.mergeRequests.find((m) => m.source_branch === body.source_branch);
        if (existing)
          return send(res, 409, { message: [`Another open merge request already exists for this source branch: !${existing.iid}`] });
        if (!body.title) return send(res, 400, { message: { title: ["can't be blank"] } });
        const mr: FakeMergeRequest = {
          iid: state.mergeRequests.length + 1,
          title: body.title,
          description: body.description ?? '',
          source_branch: body.source_branch!,
          target_branch: body.target_branch!,
          labels: [],
        };
        state.mergeRequests.push(mr);
        return send(res, 201, render(mr));
      }
      const labels = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/merge_requests/(\\d+)$`).exec(path);
      const mr = labels && state.mergeRequests.find((m) => m.iid === Number(labels[1]));
      if (req.method === 'PUT' && mr) {
        mr.labels.push(...(body.add_labels ?? '').split(',').filter(Boolean));
        return send(res, 200, render(mr));
      }
      send(res, 404, { message: '404 Project Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
