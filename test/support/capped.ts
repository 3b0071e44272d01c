import { expect } from 'vitest';

/** The marker a middle cut leaves: `… [N bytes cut] …` on a line of its own. */
export const CUT_MARKER = /\n… \[(\d+) bytes cut\] …\n/;

/** Splits a capped text at its marker; asserts there is exactly one. */
export function splitCapped(text: string): { head: string; cut: number; tail: string } {
  const parts = text.split(CUT_MARKER);
  expect(parts).toHaveLength(3);
  return { head: parts[0]!, cut: Number(parts[1]), tail: parts[2]! };
}
