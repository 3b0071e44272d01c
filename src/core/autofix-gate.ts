import { compilePathGlobs } from './logger-glob.js';
import type { AutofixConfig } from './config.js';

/** One changed path, from `git diff --raw` and `--numstat` (null counts: a binary file). */
export interface DiffEntry {
  path: string;
  /** git's status letter: A added, M modified, D deleted, T type changed … */
  status: string;
  oldMode: string;
  newMode: string;
  added: number | null;
  removed: number | null;
}

/** Never changed by a fix, whatever autofix.paths says: what runs in CI or at install time, what
 * decides dependencies or the schema, what holds secrets, and what configures agents and sentinel. */
export const BUILT_IN_DENIED = [
  '.github/**',
  '.gitlab-ci.yml',
  '.gitlab/**',
  '.circleci/**',
  '.buildkite/**',
  '.travis.yml',
  'azure-pipelines.yml',
  '**/Jenkinsfile',
  '**/package.json',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/requirements*.txt',
  '**/pyproject.toml',
  '**/poetry.lock',
  '**/uv.lock',
  '**/Pipfile',
  '**/Pipfile.lock',
  '**/setup.py',
  '**/setup.cfg',
  '**/Cargo.toml',
  '**/Cargo.lock',
  '**/go.mod',
  '**/go.sum',
  '**/Gemfile',
  '**/Gemfile.lock',
  '**/composer.json',
  '**/composer.lock',
  '**/migrations/**',
  '**/alembic/**',
  '**/.env',
  '**/.env.*',
  '**/*.pem',
  '**/*.key',
  '**/secrets/**',
  '**/credentials*',
  '**/Dockerfile*',
  '**/docker-compose*',
  '**/*.sh',
  '**/Makefile',
  '**/sentinel.yaml',
  '**/.claude/**',
  '**/CLAUDE.md',
  '**/CLAUDE.local.md',
  '**/.mcp.json',
  '**/.gitmodules',
  '**/.gitattributes',
  '**/.pre-commit-config.yaml',
  '**/.husky/**',
  '**/.npmrc',
  '**/.yarnrc*',
  '**/.devcontainer/**',
];

export type GateResult = { ok: true; files: string[]; added: number; removed: number } | { ok: false; reason: string };

/** The deterministic gate between the model's edits and a commit: small, inside the allowed paths,
 * plain text files only, nothing deleted, nothing made executable or a link. */
export function checkDiff(
  entries: DiffEntry[],
  config: Pick<AutofixConfig, 'paths' | 'deny_paths' | 'max_files' | 'max_changed_lines'>,
): GateResult {
  if (entries.length === 0) return { ok: false, reason: 'the fix changed nothing' };
  const allowed = compilePathGlobs(config.paths);
  const denied = compilePathGlobs([...BUILT_IN_DENIED, ...config.deny_paths], { nocase: true });
  for (const e of entries) {
    const name = JSON.stringify(e.path);
    if (/[\u0000-\u001f\u007f]/.test(e.path)) return { ok: false, reason: `a changed path has control characters: ${name}` };
    if (e.status === 'D') return { ok: false, reason: `it deletes ${name}` };
    if (e.status !== 'A' && e.status !== 'M') return { ok: false, reason: `it changes the type of ${name} (git status ${e.status})` };
    if (e.newMode === '120000') return { ok: false, reason: `it makes ${name} a symlink` };
    if (e.newMode === '160000') return { ok: false, reason: `it adds a submodule at ${name}` };
    if (e.newMode !== '100644') return { ok: false, reason: `it makes ${name} executable (mode ${e.newMode})` };
    if (e.status === 'M' && e.oldMode !== e.newMode) return { ok: false, reason: `it changes the mode of ${name}` };
    if (e.added === null || e.removed === null) return { ok: false, reason: `${name} is a binary file` };
    if (denied(e.path))
      return { ok: false, reason: `${name} is a denied path (CI, manifests, lock files, migrations, secrets, scripts, agent config)` };
    if (!allowed(e.path)) return { ok: false, reason: `${name} is outside autofix.paths (${config.paths.join(', ')})` };
  }
  if (entries.length > config.max_files)
    return { ok: false, reason: `it changes ${entries.length} files, more than autofix.max_files (${config.max_files})` };
  const added = entries.reduce((n, e) => n + (e.added ?? 0), 0);
  const removed = entries.reduce((n, e) => n + (e.removed ?? 0), 0);
  if (added + removed > config.max_changed_lines) {
    return { ok: false, reason: `it changes ${added + removed} lines, more than autofix.max_changed_lines (${config.max_changed_lines})` };
  }
  return { ok: true, files: entries.map((e) => e.path), added, removed };
}
