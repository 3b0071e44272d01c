import { inRunDir } from './claude-run-dirs.js';
import { type ClaudeOutcome, type ClaudeProcessOptions, runClaudeProcess } from './claude-runner.js';

export interface ClaudeFixerOptions extends ClaudeProcessOptions {
  /** Files the model may not read, beyond everything outside the clone (the state database). */
  denyRead: string[];
}

export interface FixRequest {
  /** The fresh clone: the model's working directory and the only place it may write. */
  clone: string;
  prompt: string;
  jsonSchema: object;
}

/** The only built-in tools: reading and editing files. No Bash, no web, no agents, no MCP. */
export const FIXER_TOOLS = ['Read', 'Edit', 'Write', 'Glob', 'Grep'];

/** `claude -p` editing one clone. Permissions are ours alone (`--setting-sources ""`: the
 * repository's .claude/, CLAUDE.md and .mcp.json are not read); deny rules are absolute paths
 * computed here, since a relative rule's anchor differs between the CLI's own documents. */
export function createClaudeFixer(opts: ClaudeFixerOptions) {
  return {
    fix: (req: FixRequest): Promise<ClaudeOutcome> =>
      inRunDir(opts.privateDir, (runDir) => {
        const settings = { permissions: { deny: fixerDenyRules(req.clone, opts.denyRead), allow: [], defaultMode: 'acceptEdits' } };
        const args = [
          '--tools',
          FIXER_TOOLS.join(','),
          '--settings',
          JSON.stringify(settings),
          '--strict-mcp-config',
          '--permission-mode',
          'acceptEdits', // edits inside the clone only; anything that would ask is denied headless
        ];
        return runClaudeProcess(opts, { prompt: req.prompt, jsonSchema: req.jsonSchema, args, cwd: req.clone, runDir });
      }),
  };
}

export type ClaudeFixer = ReturnType<typeof createClaudeFixer>;

/** Deny wins over every allow and every mode: these hold even if acceptEdits would let a write through. */
export function fixerDenyRules(clone: string, denyRead: string[]): string[] {
  const inClone = (glob: string) => `//${clone.replace(/^\/+/, '')}/${glob}`;
  const secretFiles = ['**/.env', '**/.env.*', '**/*.pem', '**/*.key', '**/secrets/**', '**/credentials*'];
  const neverEdited = [
    '.github/**',
    '.gitlab-ci.yml',
    '.gitlab/**',
    '.circleci/**',
    '.claude/**',
    'CLAUDE.md',
    'CLAUDE.local.md',
    '.mcp.json',
    '.gitmodules',
    '.husky/**',
  ];
  const outside = ['//etc/**', '//proc/**', '//sys/**', '//run/**', '//root/**', '//home/**', '//dev/**', '//boot/**'];
  return [
    ...['.git', '.git/**'].flatMap((g) => [`Read(${inClone(g)})`, `Edit(${inClone(g)})`]),
    ...secretFiles.flatMap((g) => [`Read(${inClone(g)})`, `Edit(${inClone(g)})`]),
    ...neverEdited.map((g) => `Edit(${inClone(g)})`),
    ...outside.flatMap((g) => [`Read(${g})`, `Edit(${g})`]),
    ...denyRead.map((path) => `Read(//${path.replace(/^\/+/, '')})`),
    'Bash',
    'WebFetch',
    'WebSearch',
    'Task',
    'NotebookEdit',
  ];
}
