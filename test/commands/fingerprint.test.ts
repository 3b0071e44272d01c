import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fingerprintCommand } from '../../src/commands/fingerprint.js';

async function fingerprintChunks(chunks: (string | Buffer)[]): Promise<string[][]> {
  const written: Buffer[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(Buffer.from(chunk));
      done();
    },
  });
  await fingerprintCommand({}, { input: Readable.from(chunks), output });
  output.end();
  await once(output, 'finish');
  return Buffer.concat(written)
    .toString('utf8')
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split('\t'));
}

describe('fingerprintCommand', () => {
  it('ends lines where readline does: \\n, \\r\\n (also across chunks), a lone \\r, and a last line without one', async () => {
    const e = Buffer.from('é');
    const chunks = [
      'alpha\r',
      '\nbeta two\rgamma three four\r\n\r\n',
      Buffer.concat([Buffer.from('delta f'), e.subarray(0, 1)]),
      Buffer.concat([e.subarray(1), Buffer.from('our five six\r')]),
      '\r',
      '\nlast line of the input',
      e.subarray(0, 1), // an unfinished character at the very end is dropped, as readline drops it
    ];
    const expected = ['alpha', 'beta two', 'gamma three four', '', 'delta féour five six', '', 'last line of the input'];
    const readlineLines: string[] = [];
    for await (const line of createInterface({ input: Readable.from(chunks), crlfDelay: Infinity })) readlineLines.push(line);
    expect(readlineLines).toEqual(expected);

    const lines = await fingerprintChunks(chunks);
    expect(lines.map(([, template]) => template)).toEqual(expected);
    expect(lines.every(([fingerprint]) => /^[0-9a-f]{16}$/.test(fingerprint!))).toBe(true);
  });

  it('decodes lines as readline does, bytes that are not UTF-8 included, however the input is cut into chunks', async () => {
    const text = (s: string) => Buffer.from(s);
    const input = Buffer.concat([
      text('café crème\n'),
      Buffer.from([0x62, 0x61, 0x64, 0x20, 0xe2, 0x82, 0x0a]), // a character cut short before the line's end
      Buffer.from([0xc3, 0x28, 0x20, 0x80, 0x80, 0x0a]), // a lead byte without its continuation, stray continuations
      text('naïve 😀 end\r\n'),
      text(`${'word '.repeat(20_000)}end\n`), // 100 kB: longer than any chunk below
      text('café crème\n'),
      text(`${'word '.repeat(20_000)}end\n`),
    ]);
    const readlineLines: string[] = [];
    for await (const line of createInterface({ input: Readable.from([input]), crlfDelay: Infinity })) readlineLines.push(line);
    const whole = await fingerprintChunks([input]);
    expect(whole.slice(0, 4).map(([, template]) => template)).toEqual(readlineLines.slice(0, 4));
    expect(whole).toHaveLength(readlineLines.length);
    expect(whole[5]).toEqual(whole[0]);
    expect(whole[6]).toEqual(whole[4]);
    for (const size of [3, 7, 1000, 65_536]) {
      const chunks = Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size));
      expect(await fingerprintChunks(chunks)).toEqual(whole);
    }
  });
});
