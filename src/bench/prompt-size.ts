import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCodeRoots } from '../adapters/code-tree.js';
import { openSqliteRunSource } from '../adapters/sqlite-run-source.js';
import { openStateStore } from '../adapters/state-store.js';
import { parseConfig } from '../core/config.js';
import { renderInvestigationPrompt, RUNBOOKS_MAX_BYTES, TEAM_CONTEXT_MAX_BYTES } from '../core/prompt.js';
import { createRedactor } from '../core/redact.js';
import { createAnalyses } from '../analysis/registry.js';
import { collectGroupCode } from '../stages/code-context.js';
import { collect } from '../stages/collect.js';
import { investigationSubject } from '../stages/queue-subject.js';
import { readPromptTemplate } from '../stages/wiring.js';

/** The investigation prompt a first run over this database would send, in bytes, and its groups.
 * `codeDir`: also with code context at its largest: every traceback's file is a real, long file in
 * a real git repository there, committed just now, plus a team context file and a runbook at their caps. */
export async function measurePrompt(
  database: string,
  stateDir: string,
  codeDir?: string,
): Promise<{ bytes: number; groups: number; rows: number }> {
  const parsed = parseConfig({ source: { path: database, first_run_lookback: '3650d' }, ...(codeDir ? { code: { root: codeDir } } : {}) });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const { config } = parsed;
  if (config.source.kind !== 'sqlite') throw new Error('a SQLite source');
  const source = openSqliteRunSource(config.source);
  const state = openStateStore(stateDir, { readonly: true });
  try {
    const now = Date.now();
    const redactor = createRedactor();
    const collected = await collect({ config, rules: [], redactor, sources: [source], state, now });
    const subject = investigationSubject(collected.groups, config, now);
    if (!subject) return { bytes: 0, groups: 0, rows: collected.tally.rowsRead };
    let extra = {};
    if (codeDir) {
      writeCodeRepository(codeDir);
      // The bench rows name /srv/app/mod.py: point their frames at the repository's copy.
      const groups = subject.groups.map((g) => ({
        ...g,
        samples: g.samples.map((s) => ({ ...s, exception: s.exception?.replaceAll('/srv/app/', `${codeDir}/`) ?? null })),
      }));
      extra = {
        code: await collectGroupCode(groups, openCodeRoots(config.code, codeDir), redactor),
        teamContext: 'What the team runs, what is normal, who to call. '.repeat(Math.ceil(TEAM_CONTEXT_MAX_BYTES / 50)),
        runbooks: [
          {
            file: 'runbooks/all.md',
            fingerprints: groups.slice(0, 3).map((g) => g.fingerprint),
            text: 'Check the queue, then the deploy. '.repeat(Math.ceil(RUNBOOKS_MAX_BYTES / 34)),
          },
        ],
      };
    }
    const prompt = renderInvestigationPrompt({
      template: readPromptTemplate('investigate'),
      groups: subject.groups,
      tools: createAnalyses({ config, database, env: {}, cwd: stateDir }).map((a) => ({
        name: `mcp__sentinel__${a.name}`,
        description: a.description,
      })),
      window: subject.window,
      ...extra,
    });
    return { bytes: Buffer.byteLength(prompt), groups: collected.groups.length, rows: collected.tally.rowsRead };
  } finally {
    await source.close();
    state.close();
  }
}

/** mod.py with long lines (source at its caps), committed with a long subject. */
function writeCodeRepository(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'mod.py'),
    Array.from({ length: 2_000 }, (_, i) => `    value_${i} = compute("${'x'.repeat(200)}")  # line ${i + 1}`).join('\n'),
  );
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: dir,
        GIT_AUTHOR_NAME: 'Bench',
        GIT_AUTHOR_EMAIL: 'b@example.com',
        GIT_COMMITTER_NAME: 'Bench',
        GIT_COMMITTER_EMAIL: 'b@example.com',
      },
      stdio: 'ignore',
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', `Deploy: ${'rework the stage runner '.repeat(10)}`);
}
