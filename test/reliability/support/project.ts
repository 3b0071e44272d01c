import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const CLAUDE = fileURLToPath(new URL('../../../node_modules/.bin/claude', import.meta.url));

/** A structured answer that fits the schema; the title varies so incident file names do too. */
export function answer(title: string) {
  return {
    verdict: 'real_issue',
    severity: 'medium',
    title,
    summary: 'Errors keep arriving from several workers.',
    root_cause: { status: 'hypothesis', text: 'an upstream dependency is flaky' },
    evidence: [{ tool: 'rows_around', finding: 'the failures follow one another' }],
    actions: ['Check the upstream status page'],
    suggested_ignore: [],
    confidence: 0.5,
  };
}

export interface IncidentFile {
  name: string;
  text: string;
  fingerprints: string[];
}

/** The incident files of a directory with the fingerprints of their front matter. */
export function readIncidents(dir: string): IncidentFile[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
  return names.map((name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    const front = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';
    const data = parse(front) as { fingerprints?: string[] } | null;
    return { name, text, fingerprints: data?.fingerprints ?? [] };
  });
}

/** Queue and outbox of a state DB, read the way an operator would with sqlite3. */
export function readState(stateDb: string) {
  const db = new Database(stateDb, { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      groups: db.prepare('SELECT fingerprint, logger, total FROM groups').all() as {
        fingerprint: string;
        logger: string | null;
        total: number;
      }[],
      unfinished: count("SELECT count(*) AS n FROM investigations WHERE state != 'done'"),
      pendingOutbox: count("SELECT count(*) AS n FROM outbox WHERE state = 'pending'"),
      integrity: db.pragma('integrity_check', { simple: true }) as string,
    };
  } finally {
    db.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `condition` holds or `done` settles, whichever comes first; true for the condition. */
export async function waitFor(condition: () => boolean, done: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let settled = false;
  void done.finally(() => (settled = true));
  const deadline = Date.now() + timeoutMs;
  while (!settled && Date.now() < deadline) {
    if (condition()) return true;
    await sleep(10);
  }
  return condition() && !settled;
}
