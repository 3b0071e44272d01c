import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { Readable, Writable } from 'node:stream';
import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { openStateStore } from '../adapters/state-store.js';
import type { Analysis, AnalysisDeps } from '../analysis/define.js';
import { openLogRows, openLogRowsLazily } from '../analysis/log-rows.js';
import { analysesOf } from '../analysis/registry.js';
import { ExitCode } from '../core/errors.js';
import { createRedactor } from '../core/redact.js';
import type { CommandContext } from '../core/types.js';

export interface McpIo {
  input: Readable;
  output: Writable;
}

/**
 * Serves the read-only analyses over stdio until stdin closes. stdout is the MCP channel: nothing
 * else may be written to it, so this command never calls `ctx.stdout`.
 */
export async function mcpCommand(
  options: { config?: string },
  ctx: CommandContext,
  io: McpIo = { input: process.stdin, output: process.stdout },
): Promise<number> {
  const loaded = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const { config, paths } = loaded;
  const state = openStateStore(paths.stateDir, { readonly: true });
  try {
    // A PostgreSQL source is connected to on the first tool call that reads rows.
    const logs =
      config.source.kind === 'sqlite'
        ? openLogRows(paths.database, config.source, paths.databaseSnapshot)
        : openLogRowsLazily(null, config.source, ctx.env);
    try {
      const deps: AnalysisDeps = { config, state, logs, redactor: createRedactor(config.redact.patterns), clock: ctx.clock };
      const server = createMcpServer(deps, analysesOf(loaded, ctx.env));
      const closed = new Promise<void>((resolve) => {
        io.input.once('end', resolve);
        io.input.once('close', resolve);
      });
      const transport = new StdioServerTransport(io.input, io.output);
      await server.connect(transport);
      const answered = trackRequests(transport);
      await closed;
      await answered(); // closing aborts requests in flight: answer what was asked before stdin closed
      await server.close();
      return ExitCode.ok;
    } finally {
      await logs.close();
    }
  } finally {
    state.close();
  }
}

/** Counts requests read and not yet answered; the returned function resolves when there are none. */
function trackRequests(transport: Transport): () => Promise<void> {
  const pending = new Set<string | number>();
  let idle: (() => void) | null = null;
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    try {
      await send(message, options);
    } finally {
      const answer = !('method' in message) && 'id' in message ? message.id : undefined;
      if (answer !== undefined && pending.delete(answer) && pending.size === 0) idle?.();
    }
  };
  return () => (pending.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (idle = resolve)));
}

function createMcpServer(deps: AnalysisDeps, analyses: readonly Analysis[]): McpServer {
  const server = new McpServer({ name: 'sentinel', version: '0.1.0' });
  for (const analysis of analyses) {
    server.registerTool(
      analysis.name,
      {
        description: analysis.description,
        inputSchema: analysis.inputSchema,
        annotations: { readOnlyHint: true, openWorldHint: false },
      },
      // The SDK has validated the arguments already; `run` validates again, as for every caller.
      async (args) => {
        const result = await analysis.run(args, deps);
        return { content: [{ type: 'text' as const, text: result.text }], ...(result.kind === 'rejected' ? { isError: true } : {}) };
      },
    );
  }
  return server;
}
