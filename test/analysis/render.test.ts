import { describe, expect, it } from 'vitest';
import { capOutput, CUT_NOTE, fence, trimTraceback } from '../../src/analysis/render.js';

describe('fence', () => {
  it.each([
    ['plain', '```text\nplain\n```'],
    ['one ` tick', '```text\none ` tick\n```'],
    ['a ``` run', '````text\na ``` run\n````'],
    ['``````', '```````text\n``````\n```````'],
  ])('%j', (text, fenced) => expect(fence(text)).toBe(fenced));
});

describe('capOutput', () => {
  it('leaves text within the cap alone', () => {
    expect(capOutput('short\ntext', 100)).toEqual({ text: 'short\ntext', truncated: false });
  });

  it('cuts at a line, closes the fence it cut inside, and ends with the note', () => {
    const text = ['summary', '````text', ...Array.from({ length: 50 }, (_, i) => `line ${i}`), '````', 'after'].join('\n');
    const { text: cut, truncated } = capOutput(text, 200);
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(200);
    expect(cut.split('\n').slice(-2)).toEqual(['````', CUT_NOTE]);
    expect(cut.startsWith('summary\n````text\nline 0\n')).toBe(true);
  });

  it('does not add a closing fence when it cuts outside one', () => {
    const text = ['```text', 'a', '```', ...Array.from({ length: 50 }, (_, i) => `count ${i}`)].join('\n');
    const kept = capOutput(text, 120).text.split('\n');
    expect(kept.at(-1)).toBe(CUT_NOTE);
    expect(kept.slice(0, -1)).toEqual(text.split('\n').slice(0, kept.length - 1));
    expect(kept.length).toBeGreaterThan(4);
  });
});

describe('trimTraceback', () => {
  it('keeps the first lines and the end, saying how many were cut', () => {
    const lines = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    expect(trimTraceback(lines, 8, 1000)).toBe('l0\nl1\n… 12 lines cut …\nl14\nl15\nl16\nl17\nl18\nl19');
    expect(trimTraceback('a\nb\n', 8, 1000)).toBe('a\nb');
  });
});
