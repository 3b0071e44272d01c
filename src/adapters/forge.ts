import type { Config } from '../core/config.js';
import type { Forge } from '../core/forge.js';
import type { Clock } from '../core/types.js';
import { createGitHubForge } from './forge-github.js';
import { createGitLabForge } from './forge-gitlab.js';

type Repository = NonNullable<Config['autofix']['repository']>;

/** The configured forge: GitHub (`github: OWNER/NAME`) or GitLab (`gitlab: GROUP/NAME`). */
export function createForge(repository: Repository, token: string, clock: Clock, timeoutMs: number): { forge: Forge; name: string } {
  if (repository.gitlab !== undefined) {
    return {
      forge: createGitLabForge({
        apiUrl: repository.api_url ?? 'https://gitlab.com/api/v4',
        project: repository.gitlab,
        token,
        clock,
        timeoutMs,
      }),
      name: repository.gitlab,
    };
  }
  return {
    forge: createGitHubForge({
      apiUrl: repository.api_url ?? 'https://api.github.com',
      repository: repository.github!,
      token,
      clock,
      timeoutMs,
    }),
    name: repository.github!,
  };
}
