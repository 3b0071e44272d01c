import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  labels: string[];
}

export interface RecordedGitHubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

/** One scripted failure, answered instead of the next request (optionally only for a method). */
export interface GitHubFault {
  method?: string;
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface FakeGitHub {
  url: string;
  requests: RecordedGitHubRequest[];
  pulls: FakePull[];
  faults: GitHubFault[];
  /** GitHub Free on a private repository: a draft is refused with 422. */
  draftsSupported: boolean;
  /** POST /pulls is never answered: `before` GitHub acts on it, or `after` (the PR exists). */
  holdCreate: 'before' | 'after' | null;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request';

/** The slice of GitHub's REST API a draft fix PR uses, with GitHub's status codes and bodies. */
export async function startFakeGitHub(opts: {
  owner: string;
  repo: string;
  token: string;
  private?: boolean;
  defaultBranch?: string;
}): Promise<FakeGitHub> {
  const prefix = `/repos/${opts.owner}/${opts.repo}`;
  const state: FakeGitHub = {
    url: '',
    requests: [],
    pulls: [],
    faults: [],
    draftsSupported: true,
    holdCreate: null,
    close: async () => undefined,
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    void readBody(req).then((raw) => {
      const url = new URL(req.url ?? '/', 'http://fake');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      state.requests.push({
        method: req.method ?? '',
        path: `${url.pathname}${url.search}`,
        authorization: req.headers.authorization,
        body,
      });
      const faultIndex = state.faults.findIndex((f) => f.method === undefined || f.method === req.method);
      if (faultIndex >= 0) {
        const [fault] = state.faults.splice(faultIndex, 1);
        return send(res, fault!.status, fault!.body, fault!.headers);
      }
      if (req.headers.authorization !== `Bearer ${opts.token}`) {
        return send(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      }
      route(req.method ?? '', url, body, res);
    });
  });

  function route(method: string, url: URL, body: unknown, res: ServerResponse): void {
    const path = url.pathname;
    if (method === 'GET' && path === prefix) {
      return send(res, 200, {
        id: 1,
        name: opts.repo,
        full_name: `${opts.owner}/${opts.repo}`,
        private: opts.private ?? true,
        html_url: `https://github.com/${opts.owner}/${opts.repo}`,
        default_branch: opts.defaultBranch ?? 'main',
      });
    }
    if (method === 'GET' && path === `${prefix}/pulls`) {
      const head = url.searchParams.get('head');
      const open = state.pulls.filter((p) => head === null || `${opts.owner}:${p.head}` === head);
      return send(res, 200, open.map(render));
    }
    if (method === 'POST' && path === `${prefix}/pulls`) {
      if (state.holdCreate === 'before') return;
      const b = body as { title?: string; body?: string; head?: string; base?: string; draft?: boolean };
      if (!b?.title || !b.head || !b.base)
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'missing_field', field: 'head' }],
          documentation_url: DOCS,
          status: '422',
        });
      if (b.draft && !state.draftsSupported) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'custom', message: 'Draft pull requests are not supported in this repository.' }],
          documentation_url: DOCS,
          status: '422',
        });
      }
      if ((b.body ?? '').length > 65_536) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
          documentation_url: DOCS,
          status: '422',
        });
      }
      if (state.pulls.some((p) => p.head === b.head)) {
        return send(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${opts.owner}:${b.head}.` }],
          documentation_url: DOCS,
          status: '422',
        });
      }
      const pull: FakePull = {
        number: state.pulls.length + 1,
        title: b.title,
        body: b.body ?? '',
        head: b.head,
        base: b.base,
        draft: !!b.draft,
        labels: [],
      };
      state.pulls.push(pull);
      if (state.holdCreate === 'after') return;
      return send(res, 201, render(pull), { location: `${state.url}${prefix}/pulls/${pull.number}` });
    }
    const labels = new RegExp(`^${prefix}/issues/(\\d+)/labels$`).exec(path);
    if (method === 'POST' && labels) {
      const pull = state.pulls.find((p) => p.number === Number(labels[1]));
      if (!pull)
        return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/issues/labels', status: '404' });
      pull.labels.push(...((body as { labels?: string[] })?.labels ?? []));
      return send(
        res,
        200,
        pull.labels.map((name, id) => ({ id, name })),
      );
    }
    send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  }

  function render(p: FakePull) {
    return {
      number: p.number,
      state: 'open',
      title: p.title,
      body: p.body,
      draft: p.draft,
      html_url: `https://github.com/${opts.owner}/${opts.repo}/pull/${p.number}`,
      url: `${state.url}${prefix}/pulls/${p.number}`,
      head: { ref: p.head, label: `${opts.owner}:${p.head}` },
      base: { ref: p.base },
      labels: p.labels.map((name) => ({ name })),
    };
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy(); // held requests would keep close() waiting
      server.close(() => resolve());
    });
  return state;
}

/** GitHub's rate-limit answers: primary (403, remaining 0, reset) and secondary (429, retry-after). */
export const RATE_LIMITED = (resetEpochSeconds: number): GitHubFault => ({
  status: 403,
  headers: {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '0',
    'x-ratelimit-used': '5000',
    'x-ratelimit-reset': String(resetEpochSeconds),
    'x-ratelimit-resource': 'core',
  },
  body: {
    message: 'API rate limit exceeded for user ID 1.',
    documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    status: '403',
  },
});
export const SECONDARY_RATE_LIMITED: GitHubFault = {
  status: 429,
  headers: { 'retry-after': '120' },
  body: {
    message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
    documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    status: '429',
  },
};

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
