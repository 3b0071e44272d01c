/**
 * Which of many short ASCII keywords a text contains, case-insensitively, in one pass over its
 * characters (Aho–Corasick, compiled to a dense table). A regex alternation of a hundred keywords
 * costs V8 about as much per character as all the patterns it guards; this costs a table lookup.
 */
export interface KeywordScanner {
  /** Sorted, distinct ids of the groups whose keywords occur in `text`. */
  scan(text: string): number[];
}

const ALPHABET = 128; // ASCII; other characters fold onto it, which may cost a rule run, never a miss
const SHIFT = 7; // log2(ALPHABET)

/** `groups[id]` lists the lowercase keywords of group `id`. */
export function createKeywordScanner(groups: readonly (readonly string[])[]): KeywordScanner {
  const children: Map<number, number>[] = [new Map()];
  const outputs: number[][] = [[]];
  groups.forEach((keywords, id) => {
    for (const keyword of keywords) {
      let state = 0;
      for (const char of keyword.toLowerCase()) {
        const code = char.charCodeAt(0);
        if (code >= ALPHABET) throw new Error(`keyword ${JSON.stringify(keyword)} is not ASCII`);
        let next = children[state]!.get(code);
        if (next === undefined) {
          next = children.length;
          children.push(new Map());
          outputs.push([]);
          children[state]!.set(code, next);
        }
        state = next;
      }
      outputs[state]!.push(id);
    }
  });

  if (children.length > 0xffff) throw new Error('too many keywords for a 16-bit table');
  // Breadth first: a state's failure link is shallower, so its row and outputs are final already.
  const table = new Uint16Array(children.length * ALPHABET);
  const fail = new Int32Array(children.length);
  const queue: number[] = [];
  for (const [code, child] of children[0]!) {
    table[code] = child;
    queue.push(child);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const row = state * ALPHABET;
    const failRow = fail[state]! * ALPHABET;
    outputs[state] = [...new Set([...outputs[state]!, ...outputs[fail[state]!]!])];
    for (let code = 0; code < ALPHABET; code++) {
      const child = children[state]!.get(code);
      if (child === undefined) table[row + code] = table[failRow + code]!;
      else {
        table[row + code] = child;
        fail[child] = table[failRow + code]!;
        queue.push(child);
      }
    }
  }
  for (let row = 0; row < table.length; row += ALPHABET) table.copyWithin(row + 65, row + 97, row + 123); // A-Z as a-z
  const emits = Uint8Array.from(outputs, (ids) => (ids.length ? 1 : 0));

  return {
    scan(text) {
      let hits: number[] | null = null;
      let state = 0;
      for (let i = 0; i < text.length; i++) {
        state = table[(state << SHIFT) | (text.charCodeAt(i) & (ALPHABET - 1))]!;
        if (emits[state] === 1) (hits ??= []).push(state);
      }
      if (hits === null) return [];
      return [...new Set(hits.flatMap((hit) => outputs[hit]!))].sort((a, b) => a - b);
    },
  };
}
