import type { LoadedConfig } from '../adapters/config-paths.js';
import { createIncidentWriter } from '../adapters/incident-writer.js';
import type { StateStore } from '../core/state-store.js';
import type { ReportKind } from '../core/investigation.js';
import type { Redactor } from '../core/redact.js';
import type { CommandContext } from '../core/types.js';
import { enqueueAutofix } from './autofix-enqueue.js';
import { deliverOutbox } from './deliver.js';
import { investigateQueue, type InvestigateResult } from './investigate.js';
import { gatherContext } from './investigation-context.js';
import { buildClaude, buildNotifiers, describeChannelConfigs, fallbackAnalyses, readPromptTemplate } from './wiring.js';

/** [investigate] → [report] → [notify]: the queue, then the outbox, each picking up what earlier
 * runs left. Warnings go to stderr; a failure to write an incident throws (the queue keeps it). */
export async function reportAndNotify(
  loaded: LoadedConfig,
  state: StateStore,
  redactor: Redactor,
  ctx: CommandContext,
  retryNow: boolean,
  /** `sentinel health` works on its own investigations only. */
  onlyKind?: ReportKind,
): Promise<{ investigated: InvestigateResult; notified: number }> {
  const started = ctx.clock.now();
  const notifiers = buildNotifiers(loaded, ctx.env);
  const channelConfigs = describeChannelConfigs(loaded, ctx.env);
  let notified = 0;
  const deliver = async () => {
    const delivered = await deliverOutbox({
      state,
      notifiers,
      maxAgeMs: loaded.config.notify.max_age,
      now: () => ctx.clock.now(),
      ignoreBackoff: retryNow,
      channelConfigs,
    });
    for (const problem of delivered.problems) ctx.stderr(`sentinel: warning: ${problem}`);
    notified += delivered.sent;
  };
  let investigated: InvestigateResult;
  try {
    investigated = await investigateQueue({
      config: loaded.config,
      state,
      writer: createIncidentWriter({ dir: loaded.paths.incidentsDir }),
      incidentsDir: loaded.paths.incidentsDir,
      claude: buildClaude(loaded, ctx),
      promptTemplate: (kind) => readPromptTemplate(kind === 'health' ? 'health' : 'investigate'),
      fallbackAnalyses: fallbackAnalyses(loaded, state, redactor, ctx),
      context: (subject) => gatherContext(loaded, state, redactor, subject.groups),
      channels: [...notifiers.keys()],
      now: () => ctx.clock.now(),
      ignoreBackoff: retryNow,
      deliverNow: deliver,
      ...(onlyKind ? { onlyKind } : {}),
      onDiagnosed: (path, queued, answer) => {
        if (queued.kind === 'incident')
          enqueueAutofix({ config: loaded.config, state, now: ctx.clock.now() }, path, queued.subject.groups, answer);
      },
      onProgress: ({ toolCalls }) =>
        ctx.progress(`investigating with Claude: ${Math.round((ctx.clock.now() - started) / 1000)}s, ${toolCalls} tool calls`),
    });
  } catch (error) {
    // An incident that cannot be written (disk full) fails the run, but must not hold back the
    // notifications of incidents already on disk.
    ctx.progress('');
    await deliver();
    throw error;
  }
  ctx.progress('');
  for (const retry of investigated.retries) ctx.stderr(`sentinel: warning: investigation ${retry}`);
  await deliver();
  return { investigated, notified };
}
