import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, makeProject, runCli } from '../support/cli.js';
import { writeWithLoguru } from '../support/loguru.js';

// Assembled at run time so no secret scanner flags the source.
const FAKE_KEY = ['sk', 'ant', 'api03', 'Zx9'.repeat(14)].join('-');

interface TextResult {
  isError?: boolean;
  content: { type: string; text: string }[];
}

let project: ReturnType<typeof makeProject>;
let client: Client;
let fingerprint: string;
let errorRow: number;

const call = async (name: string, args: Record<string, unknown>) => {
  const result = (await client.callTool({ name, arguments: args })) as TextResult;
  return { isError: result.isError === true, text: result.content.map((c) => c.text).join('\n') };
};

beforeAll(async () => {
  project = makeProject();
  await writeWithLoguru(project.db, [
    { level: 'INFO', message: 'worker 3 picked up job 77', logger: 'app.jobs', function: 'loop' },
    { level: 'DEBUG', message: `calling the API with key ${FAKE_KEY}`, logger: 'app.api', function: 'call' },
    { level: 'ERROR', message: 'job 77 failed', logger: 'app.jobs', function: 'run', exception: 'ZeroDivisionError: division by zero' },
    { level: 'INFO', message: 'worker 3 idle', logger: 'app.jobs', function: 'loop' },
  ]);
  const run = await runCli(['run', '--json'], { cwd: project.dir });
  expect(run.exitCode, run.stderr).toBe(0);
  fingerprint = (JSON.parse(run.stdout) as { groups: { fingerprint: string }[] }).groups[0]!.fingerprint;
  errorRow = 3;
  client = new Client({ name: 'sentinel-test', version: '0.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: 'node',
      args: [CLI, 'mcp', '--config', project.configFile],
      cwd: project.dir,
      env: { PATH: process.env.PATH ?? '', HOME: project.dir, ANTHROPIC_API_KEY: FAKE_KEY },
      stderr: 'pipe',
    }),
  );
});
afterAll(async () => client?.close());

describe('sentinel mcp over stdio', () => {
  it('lists the analyses as read-only tools with their argument schemas', async () => {
    const { tools } = await client.listTools();
    // One registry: the error analyses, the health analyses, then the config's scripts (none here).
    expect(tools.map((t) => t.name)).toEqual([
      'error_group',
      'rows_around',
      'fingerprint_counts',
      'system',
      'metric',
      'errors',
      'past_incidents',
    ]);
    for (const tool of tools) {
      expect(tool.annotations?.readOnlyHint).toBe(true);
      expect(tool.inputSchema.additionalProperties).toBe(false);
    }
    expect(tools[1]!.inputSchema.properties?.before).toMatchObject({ type: 'integer', minimum: 0, maximum: 50 });
  });

  it('error_group describes the group', async () => {
    const result = await call('error_group', { fingerprint });
    expect(result.isError).toBe(false);
    expect(result.text.split('\n')[0]).toMatch(new RegExp(`^Group ${fingerprint}: ERROR, active, 1 row from `));
    expect(result.text).toContain('ZeroDivisionError: division by zero');
    expect(result.text).toContain(`Sample 1 of 1: row ${errorRow} at `);
  });

  it('rows_around shows the rows of every level around a row, with the secret redacted', async () => {
    const result = await call('rows_around', { id: errorRow, before: 5, after: 5 });
    expect(result.isError).toBe(false);
    expect(result.text.split('\n')[0]).toMatch(
      /^Row 3 \(ERROR at .*\): 2 rows before and 1 after it, ids 1–4; 2 INFO, 1 DEBUG, 1 ERROR\.$/,
    );
    expect(result.text).toContain('calling the API with key [REDACTED:anthropic_key]');
    expect(result.text).not.toContain(FAKE_KEY.slice(10, 30));
  });

  it('fingerprint_counts counts the group per hour', async () => {
    const result = await call('fingerprint_counts', { fingerprint, last: 3 });
    expect(result.isError).toBe(false);
    expect(result.text.split('\n')[0]).toMatch(new RegExp(`^Group ${fingerprint}: 1 row in the last 3 hours, 0 in the 3 hours before;`));
  });

  it('serves the health analyses too: errors per hour from the state', async () => {
    const result = await call('errors', { hours: 24 });
    expect(result.isError).toBe(false);
    expect(result.text.split('\n')[0]).toMatch(/^error rows per hour: (normal|warming up) — /);
  });

  it.each([
    ['error_group', { fingerprint: "x' OR '1'='1" }, /Input validation error/],
    ['error_group', { fingerprint: `${'a'}'; DROP TABLE groups; --` }, /Input validation error/],
    ['error_group', { fingerprint: 'deadbeefdeadbeef' }, /^no error group with fingerprint deadbeefdeadbeef/],
    ['error_group', { fingerprint: 'FP', hours: 1_000_000 }, /Input validation error/],
    ['error_group', {}, /Input validation error/],
    ['rows_around', { id: -5 }, /Input validation error/],
    ['rows_around', { id: 0 }, /Input validation error/],
    ['rows_around', { id: 1e15 }, /^no row with id 1000000000000000 in the log database \(its ids go up to 4\)$/],
    ['rows_around', { id: 1e300 }, /Input validation error/],
    ['rows_around', { id: '3 OR 1=1' }, /Input validation error/],
    ['rows_around', { id: 3, before: 100_000 }, /Input validation error/],
    ['rows_around', { id: 3, sql: 'SELECT 1' }, /Input validation error/],
    ['fingerprint_counts', { fingerprint: 'FP', per: 'day', last: 30 }, /^counts are kept for 8 days/],
    ['fingerprint_counts', { fingerprint: 'FP', per: "hour'--" }, /Input validation error/],
    ['run_shell', { command: 'cat /etc/passwd' }, /Tool run_shell not found/],
  ])('%s %j is an error result, not a crash', async (name, args, message) => {
    const result = await call(name, JSON.parse(JSON.stringify(args).replaceAll('"FP"', JSON.stringify(fingerprint))));
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(message);
    // The server is still there and the state untouched.
    expect((await call('error_group', { fingerprint })).isError).toBe(false);
  });
});

describe('sentinel mcp as a process', () => {
  const request = (id: number, method: string, params: object = {}) => JSON.stringify({ jsonrpc: '2.0', id, method, params });

  it('writes nothing but JSON-RPC on stdout, answers what was asked, and exits 0 when stdin closes', async () => {
    const input = [
      request(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } }),
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      request(2, 'tools/call', { name: 'rows_around', arguments: { id: 2, before: 0, after: 0 } }),
      request(3, 'tools/call', { name: 'error_group', arguments: { fingerprint: "'; --" } }),
    ].join('\n');
    const result = await execa('node', [CLI, 'mcp', '--config', project.configFile], {
      input: `${input}\n`,
      env: { PATH: process.env.PATH ?? '' },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const messages = result.stdout.split('\n').map((line) => JSON.parse(line) as { id: number; result: TextResult });
    expect(messages.map((m) => m.id).sort()).toEqual([1, 2, 3]);
    expect(messages.find((m) => m.id === 2)!.result.content[0]!.text).toContain('[REDACTED:anthropic_key]');
    expect(messages.find((m) => m.id === 3)!.result.isError).toBe(true);
  });

  it('a missing config is one line on stderr and exit 2, with stdout left empty', async () => {
    const result = await runCli(['mcp', '--config', 'nope.yaml'], { cwd: project.dir });
    expect(result).toMatchObject({ exitCode: 2, stdout: '' });
    expect(result.stderr).toMatch(/^sentinel: .*nope\.yaml: cannot read config: ENOENT$/);
  });
});
