import { describe, expect, it } from 'vitest';
import { bytesHash, createByteTable } from '../../src/core/byte-table.js';

const bytes = (text: string) => Buffer.from(text);
const find = (table: ReturnType<typeof createByteTable>, b: Buffer, start = 0, end = b.length) =>
  table.find(bytesHash(b, start, end), b, start, end);
const add = (table: ReturnType<typeof createByteTable>, b: Buffer, start = 0, end = b.length) =>
  table.add(bytesHash(b, start, end), b, start, end);

describe('bytesHash', () => {
  it('hashes the same bytes alike wherever they sit, and is unsigned and never 0', () => {
    const line = bytes('PacketResponder 1 for block blk_38865049064139660 terminating');
    const inside = Buffer.concat([bytes('xx\n'), line, bytes('\nyy')]);
    expect(bytesHash(inside, 3, 3 + line.length)).toBe(bytesHash(line, 0, line.length));
    for (const text of ['', 'a', 'abcd', 'abcde', 'é', line.toString()]) {
      const hash = bytesHash(bytes(text), 0, bytes(text).length);
      expect(hash).toBeGreaterThan(0);
      expect(hash).toBeLessThan(2 ** 32);
    }
  });

  it('tells apart lines that differ in one byte or in length', () => {
    const hashes = ['job 4711 done', 'job 4712 done', 'job 4711 done ', 'job 4711 don', ''].map((t) =>
      bytesHash(bytes(t), 0, bytes(t).length),
    );
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe('createByteTable', () => {
  it('finds what was added by its bytes, from any buffer and offset, and nothing else', () => {
    const table = createByteTable();
    expect(find(table, bytes('alpha'))).toBe(-1);
    expect(add(table, bytes('alpha'))).toBe(0);
    expect(add(table, bytes(''))).toBe(1);
    expect(add(table, bytes('alphabet soup'))).toBe(2);
    const chunk = bytes('..alpha\nalphabet soup\n\n');
    expect(find(table, chunk, 2, 7)).toBe(0);
    expect(find(table, chunk, 8, 21)).toBe(2);
    expect(find(table, chunk, 22, 22)).toBe(1);
    expect(find(table, bytes('alphA'))).toBe(-1);
    expect(find(table, bytes('alphabet soup!'))).toBe(-1);
  });

  it('keeps its own copy: the buffer a line was read from may be filled again', () => {
    const table = createByteTable();
    const chunk = bytes('connection reset by peer');
    add(table, chunk);
    chunk.fill(0x41);
    expect(find(table, bytes('connection reset by peer'))).toBe(0);
    expect(find(table, chunk)).toBe(-1);
  });

  it('holds many entries, also when their hashes collide, and forgets them all on clear', () => {
    const table = createByteTable();
    const lines = Array.from({ length: 5000 }, (_, i) => bytes(`request ${i} failed with code ${i % 17}`));
    expect(lines.map((line) => add(table, line))).toEqual(lines.map((_, i) => i));
    expect(lines.map((line) => find(table, line))).toEqual(lines.map((_, i) => i));
    // Different bytes under one hash: found by their bytes, not by the hash alone.
    const [a, b] = [bytes('first'), bytes('second')];
    table.add(7, a, 0, a.length);
    const id = table.add(7, b, 0, b.length);
    expect(table.find(7, b, 0, b.length)).toBe(id);
    expect(table.find(7, a, 0, a.length)).toBe(id - 1);
    table.clear();
    expect(find(table, lines[0]!)).toBe(-1);
    expect(add(table, lines[1]!)).toBe(0);
    expect(find(table, lines[1]!)).toBe(0);
  });
});
