import { describe, expect, it } from 'vitest';
import { cleanRow } from '../../src/core/clean.js';
import { fenceText } from '../../src/core/fence.js';
import { buildNtfyPayload } from '../../src/core/ntfy-payload.js';
import { createRedactor } from '../../src/core/redact.js';
import type { LogRow } from '../../src/core/types.js';
import { cleanLine, stripControls, truncateMiddleUtf8Bytes, truncateUtf16Units, utf8Bytes } from '../../src/core/text.js';
import { CUT_MARKER, splitCapped } from '../support/capped.js';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('stripControls', () => {
  it.each([
    ['ANSI colours', '\x1b[31;1mERROR\x1b[0m disk full', 'ERROR disk full'],
    ['cursor moves and erases', '\x1b[2K\x1b[1Gprogress 40%', 'progress 40%'],
    ['an OSC title ended by BEL', '\x1b]0;evil title\x07after', 'after'],
    ['an OSC 8 hyperlink', '\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\ text', 'link text'],
    ['an 8-bit CSI', 'a\x9b31mred', 'ared'],
    ['charset and keypad escapes', '\x1b(Bplain\x1b=\x1b7', 'plain'],
    ['NUL and other C0 bytes', 'a\x00b\x07c\x1fd\x7fe', 'abcde'],
    ['CRLF line ends', 'one\r\ntwo\r\n', 'one\ntwo\n'],
    ['a lone CR that would overwrite the line', 'innocent\rmalicious', 'innocentmalicious'],
    ['bidi overrides', 'user \u202Egnp.exe\u202C logged in', 'user gnp.exe logged in'],
    ['a lone high surrogate', 'bad \ud83d end', 'bad \ufffd end'],
    ['a lone low surrogate', 'bad \ude00 end', 'bad \ufffd end'],
  ])('removes %s', (_, input, expected) => {
    expect(stripControls(input)).toBe(expected);
  });

  it.each([
    ['tabs and newlines', 'Traceback:\n\tFile "x.py"\n'],
    ['non-ASCII text and emoji', 'Größe überschritten 🔥 — 東京'],
    ['plain ASCII', 'GET /api/v1/jobs 502 in 31 ms'],
  ])('keeps %s', (_, input) => {
    expect(stripControls(input)).toBe(input);
  });
});

describe('truncateMiddleUtf8Bytes', () => {
  it.each([
    ['ASCII', 'a'],
    ['2-byte characters', 'é'],
    ['3-byte characters', '€'],
    ['4-byte characters', '😀'],
    ['mixed widths', 'aé€😀'],
  ])('keeps head and tail of %s within the cap, byte-exact, never splitting a character', (_, unit) => {
    const text = `HEAD${unit.repeat(5000)}TAIL`;
    const capped = truncateMiddleUtf8Bytes(text, 4096);
    const { head, cut, tail } = splitCapped(capped);
    expect(bytes(capped)).toBeLessThanOrEqual(4096);
    expect(bytes(capped)).toBeGreaterThan(4096 - 8); // at most one character and marker digits short
    expect(text.startsWith(head) && text.endsWith(tail)).toBe(true);
    expect(head.startsWith('HEAD') && tail.endsWith('TAIL')).toBe(true);
    expect(bytes(head) + cut + bytes(tail)).toBe(bytes(text));
    expect(capped).toBe(Buffer.from(capped, 'utf8').toString('utf8')); // no lone surrogate
  });

  it('leaves text at the cap untouched and cuts one byte more', () => {
    expect(truncateMiddleUtf8Bytes('é'.repeat(2048), 4096)).toBe('é'.repeat(2048));
    expect(truncateMiddleUtf8Bytes(`${'é'.repeat(2048)}a`, 4096)).toMatch(CUT_MARKER);
  });
});

describe('utf8Bytes, truncateUtf16Units, cleanLine', () => {
  it.each([
    ['abc', 3],
    ['é', 2],
    ['漢', 3],
    ['🔥', 4],
    ['\ud800', 3],
  ])('measures %j as %i UTF-8 bytes', (text, expected) => {
    expect(utf8Bytes(text)).toBe(expected);
  });

  it('never splits a surrogate pair when counting UTF-16 units', () => {
    expect(truncateUtf16Units('a🔥🔥', 4)).toBe('a🔥…');
    expect(truncateUtf16Units('a🔥🔥', 3)).toBe('a…');
  });

  it('never keeps part of a cluster that runs past the cut', () => {
    expect(truncateUtf16Units('ab👨‍👩‍👧', 4)).toBe('ab…');
    expect(truncateUtf16Units('ab👨‍👩‍👧', 9)).toBe('ab…');
    expect(truncateUtf16Units('ab👨‍👩‍👧cd', 11)).toBe('ab👨‍👩‍👧…');
  });

  it('gives nothing when even the ellipsis does not fit', () => {
    expect(truncateUtf16Units('abcdef', 0)).toBe('');
  });

  it('flattens to one line', () => {
    expect(cleanLine('  a \n\n b  ')).toBe('a b');
  });
});

// Log rows (cleanRow, on their way to incident files and prompts) and pushes (cleanLine) once used two
// control sets, and only the push one removed the bidi marks. A mark among neutral characters reorders
// them as an override does: `ip 10.0.0.1\u200f:443` can read as another address. None survives anywhere.
describe('one control set for rows, incident files and pushes', () => {
  const row: LogRow = {
    id: 1,
    time: 0,
    levelName: 'ERROR',
    levelNo: 40,
    message: '',
    logger: 'app',
    function: null,
    line: null,
    exception: null,
    extra: null,
  };
  const redactor = createRedactor();

  it.each([
    ['LEFT-TO-RIGHT MARK', '\u200e'],
    ['RIGHT-TO-LEFT MARK', '\u200f'],
    ['ARABIC LETTER MARK', '\u061c'],
    ['LEFT-TO-RIGHT EMBEDDING', '\u202a'],
    ['RIGHT-TO-LEFT OVERRIDE', '\u202e'],
    ['POP DIRECTIONAL FORMATTING', '\u202c'],
    ['RIGHT-TO-LEFT ISOLATE', '\u2067'],
    ['POP DIRECTIONAL ISOLATE', '\u2069'],
  ])('removes %s from a logged message, an incident fence and a push', (_, mark) => {
    const text = `login from 10.0.0.1${mark}:443 by ${mark}nimda${mark}`;
    const expected = 'login from 10.0.0.1:443 by nimda';
    expect(cleanRow({ ...row, message: text }, redactor).row.message).toBe(expected);
    expect(fenceText(text)).toBe(`\`\`\`text\n${expected}\n\`\`\``);
    expect(stripControls(text)).toBe(cleanLine(text));
    const push = buildNtfyPayload({ title: text, message: text, severity: 'high', tags: [] }, { topic: 't' });
    expect([push.title, push.message]).toEqual([expected, expected]);
  });

  it('keeps the zero-width joiner that holds an emoji sequence together', () => {
    expect(cleanLine('family 👨\u200d👩\u200d👧')).toBe('family 👨\u200d👩\u200d👧');
  });
});
