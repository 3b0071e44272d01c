import { readRegularFile } from '../adapters/regular-file.js';
import { dirname, resolve } from 'node:path';
import { openCodeRoots } from '../adapters/code-tree.js';
import { compileLoggerGlob } from '../core/logger-glob.js';
import type { LoadedConfig } from '../adapters/config-paths.js';
import type { StateStore } from '../core/state-store.js';
import { loadPastIncidents } from '../analysis/past-incidents.js';
import type { GroupCode } from '../core/code-context.js';
import type { RunbookConfig } from '../core/config.js';
import { RUNBOOKS_MAX_BYTES, TEAM_CONTEXT_MAX_BYTES, type PastIncident, type PromptRunbook, type TriggeredGroup } from '../core/prompt.js';
import type { Redactor } from '../core/redact.js';
import { collectGroupCode } from './code-context.js';

/** What the prompt gets beyond the log rows: the team's words, their runbooks, the code, the memory. */
export interface InvestigationContext {
  teamContext?: string;
  runbooks: PromptRunbook[];
  code: GroupCode[];
  history: { fingerprint: string; incidents: PastIncident[] }[];
}

const HISTORY_PER_GROUP = 5;
const RUNBOOKS_AT_MOST = 4;

export async function gatherContext(
  loaded: LoadedConfig,
  state: StateStore,
  redactor: Redactor,
  groups: readonly TriggeredGroup[],
): Promise<InvestigationContext> {
  const { config, file, paths } = loaded;
  const base = dirname(file);
  const read = (path: string, maxBytes: number) => redactor.redact(readBounded(resolve(base, path), maxBytes)).text;
  const runbooks = matchRunbooks(config.runbooks, groups)
    .slice(0, RUNBOOKS_AT_MOST)
    .map((m) => ({ file: m.runbook.file, fingerprints: m.fingerprints, text: read(m.runbook.file, RUNBOOKS_MAX_BYTES) }));
  const history = groups
    .filter((g) => g.trigger === 'regressed' || g.trigger === 'escalating')
    .map((g) => ({ fingerprint: g.fingerprint, incidents: loadPastIncidents(state, paths.incidentsDir, g.fingerprint, HISTORY_PER_GROUP) }))
    .filter((h) => h.incidents.length > 0);
  return {
    ...(config.investigate.context_file ? { teamContext: read(config.investigate.context_file, TEAM_CONTEXT_MAX_BYTES) } : {}),
    runbooks,
    code: await collectGroupCode(groups, openCodeRoots(config.code, base), redactor),
    history,
  };
}

/** Each runbook once, with the triggered groups it matches (every key given must match). */
export function matchRunbooks(
  runbooks: readonly RunbookConfig[],
  groups: readonly TriggeredGroup[],
): { runbook: RunbookConfig; fingerprints: string[] }[] {
  return runbooks.flatMap((runbook) => {
    const { fingerprint, logger, message, exception } = runbook.match;
    const loggerGlob = logger ? compileLoggerGlob(logger) : null;
    const fingerprints = groups
      .filter(
        (g) =>
          (fingerprint === undefined || g.fingerprint === fingerprint) &&
          (loggerGlob === null || loggerGlob(g.logger ?? '')) &&
          (exception === undefined || g.exceptionType === exception) &&
          (message === undefined || message.test(g.template) || g.samples.some((s) => message.test(s.message))),
      )
      .map((g) => g.fingerprint);
    return fingerprints.length > 0 ? [{ runbook, fingerprints }] : [];
  });
}

/** A runbook or the team's context file; the prompt keeps far less of it. */
const MAX_TEAM_FILE_BYTES = 4 << 20;

/** A team file, read at most this far (the prompt caps it again); unreadable since the config was loaded: said so. */
function readBounded(path: string, maxBytes: number): string {
  try {
    const buffer = readRegularFile(path, MAX_TEAM_FILE_BYTES);
    return buffer.subarray(0, maxBytes + 4).toString('utf8');
  } catch (error) {
    return `(${path} could not be read: ${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
}
