import { openSqliteRunSource } from '../adapters/sqlite-run-source.js';
import { openStateStore } from '../adapters/state-store.js';
import { parseConfig } from '../core/config.js';
import { renderInvestigationPrompt } from '../core/prompt.js';
import { createRedactor } from '../core/redact.js';
import { createAnalyses } from '../analysis/registry.js';
import { collect } from '../stages/collect.js';
import { investigationSubject } from '../stages/queue-subject.js';
import { readPromptTemplate } from '../stages/wiring.js';

/** The investigation prompt a first run over this database would send, in bytes, and its groups. */
export async function measurePrompt(database: string, stateDir: string): Promise<{ bytes: number; groups: number; rows: number }> {
  const parsed = parseConfig({ source: { path: database, first_run_lookback: '3650d' } });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const { config } = parsed;
  if (config.source.kind !== 'sqlite') throw new Error('a SQLite source');
  const source = openSqliteRunSource(config.source);
  const state = openStateStore(stateDir, { readonly: true });
  try {
    const now = Date.now();
    const collected = await collect({ config, rules: [], redactor: createRedactor(), sources: [source], state, now });
    const subject = investigationSubject(collected.groups, config, now);
    if (!subject) return { bytes: 0, groups: 0, rows: collected.tally.rowsRead };
    const prompt = renderInvestigationPrompt({
      template: readPromptTemplate('investigate'),
      groups: subject.groups,
      tools: createAnalyses({ config, database, env: {}, cwd: stateDir }).map((a) => ({ name: `mcp__sentinel__${a.name}`, description: a.description })),
      window: subject.window,
    });
    return { bytes: Buffer.byteLength(prompt), groups: collected.groups.length, rows: collected.tally.rowsRead };
  } finally {
    await source.close();
    state.close();
  }
}
