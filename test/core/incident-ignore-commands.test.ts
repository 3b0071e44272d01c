import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderGroupIgnoreCommands } from '../../src/core/incident-groups.js';
import { scanMarkdown } from '../support/markdown-fences.js';
import { buildGroup } from '../support/groups.js';

describe('the ready `sentinel ignore add` command per group', () => {
  it('names each group, largest first, and the shell passes every word through unchanged', () => {
    const groups = [
      buildGroup({ fingerprint: '0d2753cb7c94a40a', count: 1, levelNo: 30 }),
      // A fingerprint rule's name is the operator's text: quoted like anything else that is not a plain word.
      buildGroup({ fingerprint: "it's $(id)", count: 112, levelNo: 40 }),
    ];
    const [block] = scanMarkdown(renderGroupIgnoreCommands(groups)).blocks;
    expect(block?.info).toBe('sh');
    const lines = block!.body.split('\n');
    expect(lines.filter((l) => l.startsWith('#'))).toEqual(['# 1. ERROR, 112 rows', '# 2. WARNING, 1 row']);
    const script = block!.body.replaceAll('sentinel ignore add ', "printf '%s|' ");
    expect(execFileSync('sh', ['-c', script], { encoding: 'utf8' })).toBe(
      "--from-group|it's $(id)|--reason|why this is not worth an alert|--from-group|0d2753cb7c94a40a|--reason|why this is not worth an alert|",
    );
  });
});
