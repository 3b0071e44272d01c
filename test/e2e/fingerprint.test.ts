import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const cwd = tempDir('sentinel-fp-');
const LOGHUB = fileURLToPath(new URL('../../../shared/eval/loghub2k', import.meta.url));

describe('sentinel fingerprint', () => {
  it('prints "<fingerprint>\\t<template>" per input line, in order', async () => {
    const input = [
      'Timeout calling gemini after 31s (job 1234)',
      'disk full on /dev/sda1',
      'Timeout calling gemini after 45s (job 98)',
      'login failed for alice@example.com with password=hunter2',
    ].join('\n');
    const result = await runCli(['fingerprint'], { cwd, input });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split('\n').map((l) => l.split('\t'));
    expect(lines).toHaveLength(4);
    expect(lines.every(([fp]) => /^[0-9a-f]{16}$/.test(fp!))).toBe(true);
    expect(lines[0]![0]).toBe(lines[2]![0]);
    expect(lines[0]![0]).not.toBe(lines[1]![0]);
    expect(lines[0]![1]).toMatch(/^Timeout calling gemini after <\w+> \(job <\w+>\)$/);
    expect(result.stdout).not.toContain('hunter2');
    expect(result.stdout).not.toContain('alice@example.com');
  });

  it('groups the lines of a batch together: digit-free ids are variables, look-alike words stay apart', async () => {
    const ids = ['deadbeef', 'cafebabe', 'facefeed', 'beadfade', 'fadedbed'];
    const input = [
      ...ids.map((id) => `Object ${id} missing from the blob index`),
      ...['Gemini', 'Inworld', 'Gemini', 'Inworld', 'Gemini', 'Inworld'].map((p) => `Daily quota exhausted for ${p} today`),
    ].join('\n');
    const lines = (await runCli(['fingerprint'], { cwd, input })).stdout.split('\n').map((l) => l.split('\t'));
    expect(new Set(lines.slice(0, 5).map(([fp]) => fp)).size).toBe(1);
    expect(lines[0]![1]).toBe('Object <*> missing from the blob index');
    expect(new Set(lines.slice(5).map(([fp]) => fp)).size).toBe(2);
  });

  it('a line seen in an earlier batch follows what a later batch decides: its template generalises, its splinter folds', async () => {
    const session = (name: string) => `session of ${name} closed by the gateway`;
    // Batch 1 (10,000 lines): two names, each twice, are two groups. Batch 2: six more names make the name a variable.
    const input = [
      ...[session('alice'), session('bobby'), session('alice'), session('bobby')],
      ...Array.from({ length: 9_996 }, () => 'disk full on /dev/sda1'),
      ...['alice', 'bobby', 'carol', 'erin', 'frank', 'grace', 'heidi', 'ivan'].map(session),
    ].join('\n');
    const lines = (await runCli(['fingerprint'], { cwd, input })).stdout.split('\n').map((l) => l.split('\t'));
    const [alice, bobby] = [lines[0]!, lines[1]!];
    expect([alice[1], bobby[1]]).toEqual([session('alice'), session('bobby')]);
    expect(alice[0]).not.toBe(bobby[0]);
    const batch2 = lines.slice(10_000, 10_008);
    expect(new Set(batch2.map(([fp]) => fp))).toEqual(new Set([alice[0]]));
    expect(new Set(batch2.map(([, template]) => template))).toEqual(new Set([session('<*>')]));
  });

  it('says in one line, exit 2, when standard input cannot be read (a directory)', () => {
    const directory = openSync(cwd, 'r');
    try {
      const result = spawnSync('node', [CLI, 'fingerprint'], { stdio: [directory, 'pipe', 'pipe'], encoding: 'utf8' });
      expect(result.status).toBe(2);
      expect(result.stderr).toBe('sentinel: cannot read standard input: EISDIR: illegal operation on a directory, read\n');
      expect(result.stdout).toBe('');
    } finally {
      closeSync(directory);
    }
  });

  it('--explain says per token why it is a variable or kept', async () => {
    const input = [
      'user 42 logged in from 10.0.0.7 via alpha-kilo',
      'user 7 logged in from 10.0.0.9 via bravo-lima',
      'user 9 logged in from 10.0.0.1 via echo-golf',
    ].join('\n');
    const result = await runCli(['fingerprint', '--explain'], { cwd, input });
    const [, template, explained] = result.stdout.split('\n')[0]!.split('\t');
    expect(template).toBe('user <num> logged in from <ip> via <*>');
    expect(explained!.split(' | ')).toEqual([
      'user: kept: the same in all 3 rows of its group',
      '<num>: variable: masked as <num> by its pattern',
      'logged: kept: the same in all 3 rows of its group',
      'in: kept: the same in all 3 rows of its group',
      'from: kept: the same in all 3 rows of its group',
      '<ip>: variable: masked as <ip> by its pattern',
      'via: kept: the same in all 3 rows of its group',
      'alpha-kilo: variable: 3 values in 3 rows, 3 of them in at most 2 rows (mostly rare)',
    ]);
  });

  // The grouping-quality figure of the brief, measured through the CLI as an operator would use it.
  it.skipIf(!existsSync(LOGHUB))(
    'groups Loghub-2k with an average grouping accuracy of at least 0.93',
    async () => {
      const accuracies: number[] = [];
      for (const dataset of ['HDFS', 'Spark', 'BGL', 'Thunderbird', 'Linux', 'HealthApp', 'Proxifier', 'OpenStack']) {
        const rows = readFileSync(join(LOGHUB, dataset, 'lines.tsv'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split('\t'));
        const result = await runCli(['fingerprint'], { cwd, input: rows.map((r) => r.slice(1).join('\t')).join('\n') });
        const predicted = result.stdout.split('\n').map((l) => l.split('\t')[0]!);
        accuracies.push(
          groupingAccuracy(
            rows.map((r) => r[0]!),
            predicted,
          ),
        );
      }
      expect(accuracies.reduce((a, b) => a + b, 0) / accuracies.length).toBeGreaterThanOrEqual(0.93);
    },
    60_000,
  );
});

/** logparser's GA: a line is right when its predicted group holds exactly its true group's lines. */
function groupingAccuracy(truth: string[], predicted: string[]): number {
  const members = (ids: string[]) => {
    const groups = new Map<string, number[]>();
    ids.forEach((id, i) => groups.set(id, [...(groups.get(id) ?? []), i]));
    return groups;
  };
  const truthGroups = members(truth);
  let correct = 0;
  for (const lines of members(predicted).values()) {
    const real = truthGroups.get(truth[lines[0]!]!)!;
    if (real.length === lines.length && lines.every((i) => truth[i] === truth[lines[0]!])) correct += lines.length;
  }
  return correct / truth.length;
}
