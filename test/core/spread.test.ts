import { describe, expect, it } from 'vitest';
import { hostsPhrase, spreadLines } from '../../src/core/spread.js';

describe('where a group was seen', () => {
  it.each([
    [{}, ''],
    [{ hosts: { seen: ['web-1'], of: 1 } }, ''],
    [{ hosts: { seen: ['web-1', 'web-2'], of: 3 } }, ' on 2 of 3 hosts'],
    [{ hosts: { seen: ['web-1', 'web-2'], of: 2 } }, ' on all 2 hosts'],
  ])('title phrase for %j is %j', (group, phrase) => {
    expect(hostsPhrase(group)).toBe(phrase);
  });

  it('names at most ten hosts, each cut to 64 characters, and the rows per source', () => {
    const seen = Array.from({ length: 12 }, (_, i) => `host-${i}${i === 0 ? 'x'.repeat(100) : ''}`);
    const [hosts, sources] = spreadLines({
      hosts: { seen, of: 20 },
      sources: [
        ['app', 5],
        ['pg', 75],
      ],
    });
    expect(hosts).toBe(`hosts: 12 of 20 (host-0${'x'.repeat(58)}, ${seen.slice(1, 10).join(', ')}, … 2 more)`);
    expect(sources).toBe('sources: app 5, pg 75');
    expect(spreadLines({})).toEqual([]);
  });
});
