/** The forge port: what a draft fix PR (GitHub) or merge request (GitLab) needs, as data. */

export interface ForgeRepository {
  private: boolean;
  defaultBranch: string;
  htmlUrl: string;
}

export interface PullRequest {
  url: string;
  number: number;
}

/** Expected failures are data: the job decides to stop, wait or fall back. */
export type ForgeFailure =
  | { kind: 'auth'; reason: string }
  | { kind: 'rate_limited'; retryAt: number; reason: string }
  | { kind: 'unavailable'; reason: string }
  | { kind: 'invalid'; reason: string };

export type ForgeResult<T> = { kind: 'ok'; value: T } | ForgeFailure;

export type CreatePullResult =
  | ForgeResult<PullRequest>
  | { kind: 'drafts_unsupported'; reason: string }
  | { kind: 'exists'; reason: string };

/** The four calls a draft fix PR needs; GitLab's merge requests would fit the same shape. */
export interface Forge {
  repository(): Promise<ForgeResult<ForgeRepository>>;
  findOpenPull(branch: string): Promise<ForgeResult<PullRequest | null>>;
  createDraftPull(pull: { title: string; body: string; head: string; base: string }): Promise<CreatePullResult>;
  addLabels(number: number, labels: string[]): Promise<ForgeResult<null>>;
  compareUrl(base: string, branch: string): string;
}
