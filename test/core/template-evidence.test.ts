import { describe, expect, it } from 'vitest';
import { decideFamily, judgePosition, MANY_VALUES, type PositionEvidence } from '../../src/core/template-evidence.js';

const evidence = (counts: Record<string, number>, extra: Partial<PositionEvidence> = {}): PositionEvidence => ({
  values: new Map(Object.entries(counts)),
  wildcard: false,
  masked: false,
  namedBy: null,
  stack: false,
  ...extra,
});
const many = (n: number, rows: number) =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`v${'abcdefghijklmnopqrstuvwxyz'[i % 26]}${'xyz'[Math.floor(i / 26)]}`, rows]));

describe('judgePosition', () => {
  it.each([
    ['one value', { Gemini: 40 }, {}, 'constant'],
    ['two providers that recur', { Gemini: 40, Inworld: 12 }, {}, 'category'],
    ['two values seen once each', { Gemini: 1, Inworld: 1 }, {}, 'category'],
    ['a handful of buckets that recur', { avatars: 9, recordings: 7, exports: 5, thumbs: 3 }, {}, 'category'],
    ['a category with a few stragglers', { Gemini: 50, Inworld: 40, Azure: 1, Polly: 1, Piper: 2 }, {}, 'category'],
    ['three names seen once each', { root: 1, cyrus: 1, news: 1 }, {}, 'variable'],
    ['ids, each rare', { deadbeef: 1, cafebabe: 2, facefeed: 1, beadfade: 1 }, {}, 'variable'],
    [`${MANY_VALUES} values, however often each recurs`, many(MANY_VALUES, 9), {}, 'variable'],
    [`${MANY_VALUES - 1} values that recur`, many(MANY_VALUES - 1, 9), {}, 'category'],
    ['a position that varied before', { Gemini: 40 }, { wildcard: true }, 'variable'],
    ['a word where other rows have a masked value', { '': 18, 'wpad:': 1 }, { masked: true }, 'variable'],
    ['counters with digits', { eth0: 5, eth1: 5 }, {}, 'variable'],
    ['names after a naming word', { cyrus: 43, news: 43, test: 36 }, { namedBy: 'user' }, 'variable'],
    ['two words under one traceback', { alpha: 1, beta: 2 }, { stack: true }, 'variable'],
    ['two stores that recur under one traceback', { Redis: 30, Postgres: 25 }, { stack: true }, 'category'],
  ])('%s: %s', (_, counts, extra, kind) => {
    expect(judgePosition(evidence(counts, extra)).kind).toBe(kind);
  });
});

describe('decideFamily', () => {
  const member = (text: string, rows = 1) => ({ tokens: text.split(' '), rows });

  it('groups members equal outside the variables, the oldest first, and keeps categories apart', () => {
    const members = [
      member('Upload to bucket avatars failed for user kalo', 5),
      member('Upload to bucket recordings failed for user mira', 4),
      member('Upload to bucket avatars failed for user shibo'),
      member('Upload to bucket recordings failed for user zenda'),
      member('Upload to bucket avatars failed for user lyco'),
    ];
    const { groups, verdicts } = decideFamily(members, false);
    expect(groups).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(verdicts.get(3)?.kind).toBe('category');
    expect(verdicts.get(7)?.kind).toBe('variable');
  });
});
