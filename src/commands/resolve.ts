import { findConfigFile, loadConfig } from '../adapters/config-file.js';
import { openStateStore } from '../adapters/state-store.js';
import { ExitCode, SentinelError } from '../core/errors.js';
import type { CommandContext } from './context.js';

export async function resolveCommand(options: { fingerprint: string; config?: string }, ctx: CommandContext): Promise<number> {
  const { paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const state = openStateStore(paths.stateDir);
  try {
    if (!state.setStatus(options.fingerprint, 'resolved', ctx.clock.now())) {
      throw new SentinelError(`no group with fingerprint ${JSON.stringify(options.fingerprint)} (sentinel status lists them)`, ExitCode.usage);
    }
    ctx.stdout(`resolved ${options.fingerprint}: seeing it again will trigger "regressed"`);
    return ExitCode.ok;
  } finally {
    state.close();
  }
}
