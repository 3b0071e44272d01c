import { findConfigFile } from '../adapters/config-paths.js';
import { loadConfig } from '../adapters/config-file.js';
import { openStateStore } from '../adapters/state-store.js';
import { ExitCode } from '../core/errors.js';
import type { CommandContext } from '../core/types.js';
import { requireGroup } from './group-lookup.js';

export async function resolveCommand(options: { fingerprint: string; config?: string }, ctx: CommandContext): Promise<number> {
  const { paths } = loadConfig(findConfigFile(options.config, ctx.env, ctx.cwd), ctx.env);
  const state = openStateStore(paths.stateDir);
  try {
    const fingerprint = requireGroup(state, options.fingerprint, 'resolve');
    state.setStatus(fingerprint, 'resolved', ctx.clock.now());
    ctx.stdout(`resolved ${fingerprint}: seeing it again will trigger "regressed"`);
    return ExitCode.ok;
  } finally {
    state.close();
  }
}
