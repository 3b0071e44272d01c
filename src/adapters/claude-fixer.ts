import { execa } from 'execa';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createStreamState, readEvent } from '../core/claude-stream.js';
import {
  createLineTail,
  describeProblem,
  killGroup,
  quoteText,
  readLines,
  removeStaleRunDirs,
  type ClaudeOutcome,
} from './claude-runner.js';

export interface ClaudeFixerOptions {
  command: string;
  model: string;
  maxTurns: number;
  maxBudgetUsd: number;
  timeoutMs: number;
  /** Runs get a fresh HOME and TMPDIR under here, removed afterwards. */
  privateDir: string;
  pathEnv: string;
  /** The chosen credential kind's variables only (adapters/claude-credential.ts). */
  credentialEnv: Record<string, string>;
  baseUrl?: string;
  apiTimeoutMs: number;
  maxRetries: number;
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
    async fix(req: FixRequest): Promise<ClaudeOutcome> {
      await mkdir(opts.privateDir, { recursive: true });
      await removeStaleRunDirs(opts.privateDir);
      const runDir = await mkdtemp(join(opts.privateDir, `run-${process.pid}-`));
      try {
        return await runFixer(opts, req, runDir);
      } finally {
        await rm(runDir, { recursive: true, force: true });
      }
    },
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

async function runFixer(opts: ClaudeFixerOptions, req: FixRequest, runDir: string): Promise<ClaudeOutcome> {
  const [home, tmp] = ['home', 'tmp'].map((name) => join(runDir, name)) as [string, string];
  await Promise.all([home, tmp].map((dir) => mkdir(dir)));
  const settings = { permissions: { deny: fixerDenyRules(req.clone, opts.denyRead), allow: [], defaultMode: 'acceptEdits' } };
  const args = [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    '--model',
    opts.model,
    '--max-turns',
    String(opts.maxTurns),
    '--max-budget-usd',
    String(opts.maxBudgetUsd),
    '--json-schema',
    JSON.stringify(req.jsonSchema),
    '--tools',
    FIXER_TOOLS.join(','),
    '--settings',
    JSON.stringify(settings),
    '--setting-sources',
    '',
    '--strict-mcp-config',
    '--permission-mode',
    'acceptEdits', // edits inside the clone only; anything that would ask is denied headless
    '--no-session-persistence',
  ];
  const started = performance.now();
  const stream = createStreamState();
  const stderrTail = createLineTail(20);
  const child = execa(opts.command, args, {
    input: req.prompt,
    cwd: req.clone,
    env: {
      PATH: opts.pathEnv,
      HOME: home,
      CLAUDE_CODE_TMPDIR: tmp,
      ...opts.credentialEnv,
      ...(opts.baseUrl === undefined ? {} : { ANTHROPIC_BASE_URL: opts.baseUrl }),
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      API_TIMEOUT_MS: String(opts.apiTimeoutMs),
      CLAUDE_CODE_MAX_RETRIES: String(opts.maxRetries),
    },
    extendEnv: false,
    detached: true,
    buffer: false,
    reject: false,
  });
  readLines(child.stdout, (line) => readEvent(stream, line));
  readLines(child.stderr, stderrTail.push);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, opts.timeoutMs);
  const exit = await child;
  clearTimeout(timer);
  killGroup(child);

  const details = {
    durationMs: Math.round(performance.now() - started),
    toolCalls: stream.toolCalls,
    permissionDenials: stream.permissionDenials,
  };
  if (timedOut)
    return {
      kind: 'timeout',
      reason: `claude timed out after ${Math.round(opts.timeoutMs / 1000)} s and was killed (${stream.toolCallCount} tool calls)`,
      ...details,
    };
  const result = stream.result;
  const costUsd = typeof result?.total_cost_usd === 'number' ? result.total_cost_usd : null;
  const numTurns = typeof result?.num_turns === 'number' ? result.num_turns : null;
  const subtype = typeof result?.subtype === 'string' ? result.subtype : null;
  const problem = describeProblem(exit, result, stderrTail.lines());
  if (problem !== null || result?.structured_output === undefined || costUsd === null || numTurns === null) {
    const reason =
      problem ??
      `claude ended without a structured answer (${subtype ?? 'no result'}, ${numTurns ?? '?'} turns)${quoteText(result?.result)}`;
    return { kind: 'failed', reason, subtype, costUsd, numTurns, ...details };
  }
  return { kind: 'ok', answer: result.structured_output, subtype: subtype ?? 'success', costUsd, numTurns, ...details };
}
