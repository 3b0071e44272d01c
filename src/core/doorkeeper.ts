// A cache's admission test: what is seen for the first time is not kept, so a stream of fresh ids
// (UUIDs, hex, names) neither fills a cache with entries that never serve nor gives the garbage
// collector survivors to copy.

/** Slots per set: hashes that share a set are all remembered until WAYS later ones push them out,
 * so two repeated strings whose hashes share a set do not keep taking each other's place. */
const WAYS = 4;
const SETS = (1 << 16) / WAYS;

const HASH_SEED = 0x811c9dc5;
const hashStep = (hash: number, code: number): number => Math.imul(hash ^ code, 0x01000193);
/** Unsigned, as the table stores it, and never 0, its empty slot. */
const finishHash = (hash: number): number => (hash | 1) >>> 0;

export function stringHash(text: string): number {
  let hash = HASH_SEED;
  for (let i = 0; i < text.length; i++) hash = hashStep(hash, text.charCodeAt(i));
  return finishHash(hash);
}

/** A fixed table of hashes: true when this hash was recorded before, else records it, in place of
 * the oldest of its set. Collisions only let an entry into a cache early, or keep one out; nothing
 * else depends on them. */
export function createDoorkeeper(): (hash: number) => boolean {
  const slots = new Uint32Array(SETS * WAYS);
  return (hash) => {
    const set = (hash & (SETS - 1)) * WAYS;
    for (let way = set; way < set + WAYS; way++) if (slots[way] === hash) return true;
    for (let way = set + WAYS - 1; way > set; way--) slots[way] = slots[way - 1]!;
    slots[set] = hash;
    return false;
  };
}
