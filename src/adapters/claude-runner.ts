import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { createStreamState, readEvent, type StreamToolCall } from '../core/claude-stream.js';
import { cleanLine, truncateChars } from '../core/text.js';
import { inRunDir, recordClaudeGroup } from './claude-run-dirs.js';
import { settleWithin } from './process-group.js';

/** What every `claude -p` sentinel starts has: the executable, the model and its limits, the credential. */
export interface ClaudeProcessOptions {
  /** The claude executable: a path, or a name looked up in `pathEnv`. */
  command: string;
  model: string;
  maxTurns: number;
  maxBudgetUsd: number;
  /** Our own wall-clock limit; the whole process group is killed when it passes. */
  timeoutMs: number;
  /** Runs get fresh HOME, TMPDIR, cwd and MCP config under here, removed afterwards. */
  privateDir: string;
  /** PATH for the child, the only variable taken from our own environment. */
  pathEnv: string;
  /** The chosen credential's variables (src/adapters/claude-credential.ts), and no other kind's. */
  credentialEnv: Record<string, string>;
  /** ANTHROPIC_BASE_URL; unset means the real API. */
  baseUrl?: string;
  /** The CLI's per-request timeout (API_TIMEOUT_MS). */
  apiTimeoutMs: number;
  /** CLAUDE_CODE_MAX_RETRIES: API retries the CLI makes before giving up. */
  maxRetries: number;
}

export interface ClaudeRunnerOptions extends ClaudeProcessOptions {
  /** The stdio MCP server serving sentinel's read-only tools (`node dist/cli.js mcp --config …`). */
  mcpServer: { command: string; args: string[]; env: Record<string, string> };
  /** Tool names of that server the model may call (without the `mcp__sentinel__` prefix). */
  tools: string[];
}

export interface InvestigateRequest {
  prompt: string;
  /** JSON schema the answer must satisfy; the CLI offers it as its StructuredOutput tool. */
  jsonSchema: object;
  /** Called after each event the CLI prints; must not throw. */
  onProgress?: (progress: { elapsedMs: number; toolCalls: number }) => void;
}

export type ToolCall = StreamToolCall;

interface RunDetails {
  durationMs: number;
  toolCalls: ToolCall[];
  /** Names of tools the CLI refused to run. */
  permissionDenials: string[];
}

export type ClaudeOutcome =
  | (RunDetails & { kind: 'ok'; answer: unknown; subtype: string; costUsd: number; numTurns: number })
  | (RunDetails & { kind: 'failed'; reason: string; subtype: string | null; costUsd: number | null; numTurns: number | null })
  | (RunDetails & { kind: 'timeout'; reason: string })
  /** A subscription's usage limit: no call can succeed before `resetsAt` (epoch ms; null if the CLI gave none). */
  | (RunDetails & { kind: 'usage_limit'; reason: string; resetsAt: number | null });

/** What the ledger keeps of a call. A timed-out call's cost is unknown ($0); it still counts as a call. */
export function callRecord(outcome: ClaudeOutcome) {
  const ran = outcome.kind === 'ok' || outcome.kind === 'failed' ? outcome : null;
  return {
    outcome: outcome.kind,
    costUsd: ran?.costUsd ?? 0,
    numTurns: ran?.numTurns ?? null,
    durationMs: outcome.durationMs,
    subtype: ran ? ran.subtype : outcome.kind,
    permissionDenials: outcome.permissionDenials,
  };
}

export interface ClaudeRunner {
  investigate(req: InvestigateRequest): Promise<ClaudeOutcome>;
}

const SERVER = 'sentinel';
const MAX_LINE_CHARS = 4_000_000; // the result event carries the answer; anything longer is garbage
const STDERR_LINES = 20;

export function createClaudeRunner(opts: ClaudeRunnerOptions): ClaudeRunner {
  return {
    investigate: (req) =>
      inRunDir(opts.privateDir, async (runDir) => {
        const cwd = join(runDir, 'work');
        await mkdir(cwd);
        const mcpConfig = join(runDir, 'mcp.json');
        const server = { type: 'stdio', command: opts.mcpServer.command, args: opts.mcpServer.args, env: opts.mcpServer.env };
        await writeFile(mcpConfig, JSON.stringify({ mcpServers: { [SERVER]: server } }));
        const allowed = opts.tools.map((tool) => `mcp__${SERVER}__${tool}`);
        const args = [
          '--tools',
          '', // no built-in tool at all: no Bash, Read, Write, WebFetch
          '--mcp-config',
          mcpConfig,
          '--strict-mcp-config',
          ...(allowed.length > 0 ? ['--allowedTools', ...allowed] : []),
          '--permission-mode',
          'dontAsk', // anything not allowed above is denied, never asked
        ];
        return runClaudeProcess(opts, { ...req, args, cwd, runDir });
      }),
  };
}

export interface ClaudeProcessRun extends InvestigateRequest {
  /** The caller's own arguments (tools, permissions, MCP), after the ones every run has. */
  args: string[];
  cwd: string;
  /** From `inRunDir`: the run's HOME and TMPDIR go in it. */
  runDir: string;
}

/** One `claude -p` printing stream-json: its own HOME and TMPDIR, no settings or session of anyone's
 * read or kept, killed with its process group at `timeoutMs`; what came of it, in one outcome. */
export async function runClaudeProcess(opts: ClaudeProcessOptions, run: ClaudeProcessRun): Promise<ClaudeOutcome> {
  const [home, tmp] = ['home', 'tmp'].map((name) => join(run.runDir, name)) as [string, string];
  await Promise.all([home, tmp].map((dir) => mkdir(dir)));
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
    JSON.stringify(run.jsonSchema),
    ...run.args,
    '--setting-sources',
    '',
    '--no-session-persistence',
  ];

  const started = performance.now();
  const stream = createStreamState();
  const stderrTail = createLineTail(STDERR_LINES);
  const child = execa(opts.command, args, {
    input: run.prompt,
    cwd: run.cwd,
    env: buildEnv(opts, home, tmp),
    extendEnv: false,
    detached: true, // its own process group, so a kill also reaches the MCP server it started
    buffer: false,
    reject: false,
  });
  if (child.pid !== undefined) recordClaudeGroup(run.runDir, child.pid);
  readLines(child.stdout, (line) => {
    if (readEvent(stream, line)) run.onProgress?.({ elapsedMs: performance.now() - started, toolCalls: stream.toolCallCount });
  });
  readLines(child.stderr, stderrTail.push);

  // The group: the CLI may exit and leave its MCP server behind.
  const { result: exit, timedOut } = await settleWithin(child, opts.timeoutMs);

  const details: RunDetails = {
    durationMs: Math.round(performance.now() - started),
    toolCalls: stream.toolCalls,
    permissionDenials: stream.permissionDenials,
  };
  if (timedOut) {
    const retry = stream.lastRetry ? `; last API error: ${stream.lastRetry}` : '';
    const reason = `claude timed out after ${formatSeconds(opts.timeoutMs)} and was killed (${stream.toolCallCount} tool calls${retry})`;
    return { kind: 'timeout', reason, ...details };
  }
  const result = stream.result;
  const costUsd = typeof result?.total_cost_usd === 'number' ? result.total_cost_usd : null;
  const numTurns = typeof result?.num_turns === 'number' ? result.num_turns : null;
  const subtype = typeof result?.subtype === 'string' ? result.subtype : null;
  const problem = describeProblem(exit, result, stderrTail.lines());
  if (problem !== null && stream.usageLimit && result?.api_error_status === 429) {
    return { kind: 'usage_limit', reason: problem, resetsAt: stream.usageLimit.resetsAt, ...details };
  }
  if (problem !== null || result?.structured_output === undefined || costUsd === null || numTurns === null) {
    const reason =
      problem ??
      `claude ended without a structured answer (${subtype ?? 'no result'}, ${numTurns ?? '?'} turns)${quoteText(result?.result)}`;
    return { kind: 'failed', reason, subtype, costUsd, numTurns, ...details };
  }
  return { kind: 'ok', answer: result.structured_output, subtype: subtype ?? 'success', costUsd, numTurns, ...details };
}

function buildEnv(opts: ClaudeProcessOptions, home: string, tmp: string): Record<string, string> {
  return {
    PATH: opts.pathEnv,
    HOME: home,
    CLAUDE_CODE_TMPDIR: tmp,
    ...opts.credentialEnv,
    ...(opts.baseUrl === undefined ? {} : { ANTHROPIC_BASE_URL: opts.baseUrl }),
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    API_TIMEOUT_MS: String(opts.apiTimeoutMs),
    CLAUDE_CODE_MAX_RETRIES: String(opts.maxRetries),
  };
}

/** One line a person can act on, or null when the run itself went fine. */
export function describeProblem(
  exit: { exitCode?: number | undefined; signal?: string | undefined; originalMessage?: string | undefined },
  result: Record<string, unknown> | null,
  stderr: string[],
): string | null {
  if (exit.exitCode === undefined && exit.signal === undefined) {
    return oneLine(`claude could not be started: ${exit.originalMessage ?? 'unknown error'}`); // e.g. ENOENT
  }
  const how = exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.exitCode}`;
  if (result?.is_error === true) {
    const errors = Array.isArray(result.errors) ? result.errors.map(String).join('; ') : '';
    const status = typeof result.api_error_status === 'number' ? `HTTP ${result.api_error_status}, ` : '';
    const text = typeof result.result === 'string' && result.result !== '' ? result.result : errors;
    return oneLine(`claude failed (${String(result.subtype)}, ${status}${how}): ${text || 'no message'}`);
  }
  if (exit.exitCode === 0 && !exit.signal && result) return null;
  const lastStderr = stderr.at(-1);
  const detail = result ? '' : ', no result event';
  return oneLine(`claude ${how}${detail}${lastStderr ? `: ${lastStderr}` : ''}`);
}

export function quoteText(text: unknown): string {
  return typeof text === 'string' && text.trim() !== '' ? oneLine(`: ${text}`) : '';
}

function oneLine(text: string): string {
  return truncateChars(cleanLine(text), 300);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Calls `onLine` for each line; a line longer than the cap is dropped, never buffered whole. */
export function readLines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  let overflowing = false;
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const pieces = chunk.split('\n');
    const last = pieces.pop() ?? '';
    for (const piece of pieces) {
      if (!overflowing && partial.length + piece.length <= MAX_LINE_CHARS) onLine(partial + piece);
      partial = '';
      overflowing = false;
    }
    overflowing ||= partial.length + last.length > MAX_LINE_CHARS;
    partial = overflowing ? '' : partial + last;
  });
  stream.on('end', () => {
    if (!overflowing && partial !== '') onLine(partial);
  });
}

export function createLineTail(max: number): { push: (line: string) => void; lines: () => string[] } {
  const kept: string[] = [];
  return {
    push: (line) => {
      if (line.trim() === '') return;
      kept.push(line.slice(0, 500));
      if (kept.length > max) kept.shift();
    },
    lines: () => kept,
  };
}
