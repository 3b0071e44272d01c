// Byte strings → ids, found by their bytes: a cache keyed by input lines then needs no string made
// per line to look one up (decoding and hashing a fresh string per line cost about twice as much).

/** A hash of the bytes from `start` to `end`: unsigned and never 0, as a doorkeeper takes it. Reads
 * them four at a time. */
export function bytesHash(bytes: Uint8Array, start: number, end: number): number {
  const view = viewOf(bytes);
  let hash = end - start;
  let i = start;
  for (; i + 4 <= end; i += 4) hash = Math.imul(hash ^ view.getInt32(i, true), 0x9e3779b1) ^ (hash >>> 15);
  for (; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x9e3779b1);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  return ((hash ^ (hash >>> 13)) | 1) >>> 0;
}

export interface ByteTable {
  /** The id of these bytes (their `bytesHash` is `hash`), or -1 when they are not in the table. */
  find(hash: number, bytes: Uint8Array, start: number, end: number): number;
  /** Adds bytes not in the table (a copy) and returns their id: 0, 1, 2… since the last clear. */
  add(hash: number, bytes: Uint8Array, start: number, end: number): number;
  clear(): void;
}

export function createByteTable(): ByteTable {
  // Open addressing: a slot holds id + 1, or 0 when empty; at most half the slots are used.
  let slots = new Int32Array(1 << 10);
  let hashes = new Int32Array(1 << 9);
  let starts = new Int32Array(1 << 9);
  let lengths = new Int32Array(1 << 9);
  let count = 0;
  let store = new Uint8Array(1 << 16);
  let storeView = viewOf(store);
  let used = 0;

  // Locals, not the closure's variables, in the loop: it runs once or twice per line.
  const slotOf = (hash: number, bytes: Uint8Array, start: number, length: number): number => {
    const table = slots;
    const mask = table.length - 1;
    const view = viewOf(bytes);
    const stored = storeView;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot]! - 1;
      if (id === -1) return slot;
      if (hashes[id] !== (hash | 0) || lengths[id] !== length) continue;
      const at = starts[id]!;
      let i = 0;
      while (i + 4 <= length && view.getInt32(start + i, true) === stored.getInt32(at + i, true)) i += 4;
      if (i + 4 <= length) continue;
      while (i < length && bytes[start + i] === store[at + i]) i++;
      if (i === length) return slot;
    }
  };
  const grown = <T extends Int32Array | Uint8Array>(array: T, size: number): T => {
    const bigger = new (array.constructor as new (size: number) => T)(size);
    bigger.set(array);
    return bigger;
  };

  return {
    find(hash, bytes, start, end) {
      return slots[slotOf(hash, bytes, start, end - start)]! - 1;
    },
    add(hash, bytes, start, end) {
      const length = end - start;
      if (used + length > store.length) {
        store = grown(store, Math.max(2 * store.length, used + length));
        storeView = viewOf(store);
      }
      store.set(bytes.subarray(start, end), used);
      if (count === hashes.length) {
        hashes = grown(hashes, 2 * count);
        starts = grown(starts, 2 * count);
        lengths = grown(lengths, 2 * count);
      }
      const id = count++;
      hashes[id] = hash;
      starts[id] = used;
      lengths[id] = length;
      used += length;
      if (2 * count > slots.length) {
        slots = new Int32Array(2 * slots.length);
        for (let other = 0; other < id; other++) slots[slotOf(hashes[other]!, store, starts[other]!, lengths[other]!)] = other + 1;
      }
      slots[slotOf(hash, bytes, start, length)] = id + 1;
      return id;
    },
    clear() {
      slots.fill(0);
      count = 0;
      used = 0;
    },
  };
}

// One view per buffer, made once: a view per line would cost as much as the lookup it serves.
let lastBytes: Uint8Array | null = null;
let lastView: DataView | null = null;
function viewOf(bytes: Uint8Array): DataView {
  if (bytes !== lastBytes) {
    lastBytes = bytes;
    lastView = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return lastView!;
}
