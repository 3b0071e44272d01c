import { describe, expect, it } from 'vitest';
import { createDoorkeeper, stringHash } from '../../src/core/doorkeeper.js';

describe('createDoorkeeper', () => {
  it('turns every string away on its first sighting and lets it in on its second', () => {
    const seen = createDoorkeeper();
    // Enough strings that about half of their hashes have the top bit set, which the table stores unsigned.
    const texts = Array.from({ length: 200 }, (_, i) => `request ${i.toString(36)} failed`);
    expect(texts.map((text) => [seen(stringHash(text)), seen(stringHash(text))])).toEqual(texts.map(() => [false, true]));
  });

  it('lets in two strings whose hashes share a slot, each on its second sighting, when they alternate', () => {
    const seen = createDoorkeeper();
    // Two hashes equal in their low 16 bits: the same slot of a one-way table, where each would push the other out.
    const [a, b] = [0x0001_2345, 0x0002_2345];
    expect([seen(a), seen(b), seen(a), seen(b)]).toEqual([false, false, true, true]);
  });

  it('keeps tables apart: a string seen by one is new to another', () => {
    const first = createDoorkeeper();
    const second = createDoorkeeper();
    const hash = stringHash('connection reset by peer');
    first(hash);
    expect(second(hash)).toBe(false);
    expect(first(hash)).toBe(true);
  });
});
