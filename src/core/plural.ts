/** `1 row`, `2 rows`: the small words a person reads first. */
export const plural = (n: number, noun: string, nouns = `${noun}s`) => `${n} ${n === 1 ? noun : nouns}`;
