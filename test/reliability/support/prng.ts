/** mulberry32: a small seeded PRNG, so a failing kill schedule can be replayed with its seed. */
export function createPrng(seed: number): { next(): number; between(min: number, max: number): number; pick<T>(items: readonly T[]): T } {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (min, max) => Math.floor(min + next() * (max - min)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}
