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
});
