import { cleanField, FIELD_CAPS } from '../core/clean.js';
import { ExitCode } from '../core/errors.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createRedactor } from '../core/redact.js';
import { createTemplateLearner, type TemplateMatch } from '../core/template.js';
import { bytesHash, createByteTable } from '../core/byte-table.js';

/** Lines decided together, as `sentinel run` decides a run's rows together: bounded memory. */
const BATCH = 10_000;
/** Characters of lines, cleaned messages and output lines remembered (a few MB). */
const LINE_CACHE_CHARS = 4_000_000;
const LF = 10;
const CR = 13;

/** A line read before: its cleaned message and the learner's shape of it, and once it repeats, its
 * output line as the learner answered at `revision` (a line read once keeps no output). */
interface KnownLine {
  message: string;
  shape: string | null;
  /** The learner remembers `shape`: its rows can be counted in bulk. */
  remembered: boolean;
  /** Rows of this batch not yet counted. */
  rows: number;
  repeated: boolean;
  out: Buffer | null;
  revision: number;
}

/** One message per line in, `<fingerprint>\t<template>` per line out, in order. Messages are cleaned
 * as `sentinel run` cleans them, and each batch of lines is grouped as one run's rows would be.
 * `--explain` adds a third column: per token, why it is a variable or kept. */
export async function fingerprintCommand(
  options: { explain?: boolean },
  io: { input: AsyncIterable<Buffer | string>; output: NodeJS.WritableStream },
): Promise<number> {
  const learner = createTemplateLearner();
  const fingerprinter = createFingerprinter([]);
  const redactor = createRedactor();
  // A line's bytes → what is known of it: a repeated line is decoded, redacted and masked once, and
  // found again without a string made for it. Bounded like the learner's cache.
  const lineIds = createByteTable();
  const lines: KnownLine[] = [];
  let charsHeld = 0;
  const messages: string[] = [];
  const known: (KnownLine | undefined)[] = [];
  const outputOf = (message: string, { key, template }: TemplateMatch) => {
    const fingerprint = fingerprinter.fingerprintOf({
      message,
      template: key,
      exceptionType: null,
      logger: null,
      function: null,
      line: null,
      levelName: 'ERROR',
    });
    const explained = options.explain
      ? `\t${learner
          .explain(message)
          .map((t) => `${t.token}: ${t.why}`)
          .join(' | ')}`
      : '';
    return `${fingerprint}\t${oneLine(template)}${oneLine(explained)}\n`;
  };
  let out = Buffer.allocUnsafe(1 << 20);
  let outLength = 0;
  const room = (bytes: number) => {
    if (outLength + bytes <= out.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(2 * out.length, outLength + bytes));
    out.copy(bigger, 0, 0, outLength);
    out = bigger;
  };
  // The rows of lines whose shape the learner remembers are counted at once, before a call that may
  // decide (which reads the counts): counting them one by one was a third of the time of a repeat.
  const tallied: KnownLine[] = [];
  const settle = () => {
    for (const line of tallied) {
      learner.countShape(line.shape!, line.rows);
      line.rows = 0;
    }
    tallied.length = 0;
  };
  // Waits until the batch is written before its buffer is filled again: a slow reader also holds the input back.
  const flush = async () => {
    const shapes: string[] = [];
    const answers: TemplateMatch[] = [];
    const answeredAt: number[] = [];
    for (let i = 0; i < messages.length; i++) {
      const line = known[i];
      if (line?.remembered) {
        if (line.rows++ === 0) tallied.push(line);
        continue;
      }
      settle();
      let shape = line?.shape;
      if (shape == null) {
        shape = learner.shapeOf(messages[i]!);
        if (line) {
          line.shape = shape;
          charsHeld += shape.length;
        }
      }
      shapes[i] = shape;
      answers[i] = learner.templateOfShape(shape);
      answeredAt[i] = learner.revision();
      if (line) line.remembered = learner.countShape(shape, 0); // no rows: only asks
    }
    settle();
    learner.decide();
    // While the learner's answers stand, a line's answer is the one it got as it was counted, and a
    // known line's output is still right (not with explanations: they count rows).
    const revision = learner.revision();
    const reuse = !options.explain;
    outLength = 0;
    for (let i = 0; i < messages.length; i++) {
      const line = reuse ? known[i] : undefined;
      if (line?.out && line.revision === revision) {
        room(line.out.length);
        out.set(line.out, outLength);
        outLength += line.out.length;
        continue;
      }
      const message = messages[i]!;
      const text = outputOf(
        message,
        reuse && answeredAt[i] === revision ? answers[i]! : learner.lookupShape(known[i]?.shape ?? shapes[i]!),
      );
      if (!line?.repeated) {
        room(3 * text.length);
        outLength += out.write(text, outLength);
        continue;
      }
      line.out = Buffer.from(text);
      line.revision = revision;
      charsHeld += text.length;
      room(line.out.length);
      outLength += line.out.copy(out, outLength);
    }
    messages.length = 0;
    known.length = 0;
    if (outLength) await new Promise((written) => io.output.write(out.subarray(0, outLength), written));
  };
  const add = (bytes: Buffer, start: number, end: number) => {
    const hash = bytesHash(bytes, start, end);
    const id = lineIds.find(hash, bytes, start, end);
    let entry = id === -1 ? undefined : lines[id];
    if (entry === undefined) {
      const message = cleanField(bytes.toString('utf8', start, end), FIELD_CAPS.message, redactor).text;
      const chars = end - start + message.length;
      if (chars <= LINE_CACHE_CHARS) {
        charsHeld += chars;
        if (charsHeld > LINE_CACHE_CHARS) {
          lineIds.clear();
          lines.length = 0;
          charsHeld = chars;
        }
        lineIds.add(hash, bytes, start, end);
        lines.push((entry = { message, shape: null, remembered: false, rows: 0, repeated: false, out: null, revision: -1 }));
      }
      messages.push(message);
    } else {
      entry.repeated = true;
      messages.push(entry.message);
    }
    known.push(entry);
  };
  // Lines end at \n, \r\n or a lone \r, as readline's with `crlfDelay: Infinity`; a last line without one counts.
  // A line split across chunks is gathered in `partial`.
  let partial = Buffer.allocUnsafe(1 << 16);
  let partialLength = 0;
  const keep = (chunk: Buffer, start: number, end: number) => {
    if (partialLength + end - start > partial.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * partial.length, partialLength + end - start));
      partial.copy(bigger, 0, 0, partialLength);
      partial = bigger;
    }
    partialLength += chunk.copy(partial, partialLength, start, end);
  };
  let afterReturn = false;
  for await (const piece of io.input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    if (afterReturn) {
      afterReturn = false;
      if (chunk[0] === LF) start = 1;
    }
    let lf = chunk.indexOf(LF, start);
    let cr = chunk.indexOf(CR, start);
    while (lf !== -1 || cr !== -1) {
      const end = cr === -1 || (lf !== -1 && lf < cr) ? lf : cr;
      let next = end + 1;
      if (end === cr) {
        if (next === chunk.length) afterReturn = true;
        else if (chunk[next] === LF) next++;
        cr = chunk.indexOf(CR, next);
      }
      if (lf !== -1 && lf < next) lf = chunk.indexOf(LF, next);
      if (partialLength) {
        keep(chunk, start, end);
        add(partial, 0, partialLength);
        partialLength = 0;
      } else add(chunk, start, end);
      start = next;
      if (messages.length >= BATCH) await flush();
    }
    keep(chunk, start, chunk.length);
  }
  const lastLength = partialLength - incompleteTail(partial, partialLength);
  if (lastLength) add(partial, 0, lastLength);
  await flush();
  return ExitCode.ok;
}

/** How many bytes at the end start a UTF-8 character without finishing it. Decoding in chunks holds
 * them back for the next chunk (as Node's StringDecoder does), so at the end of the input they are
 * dropped, as readline drops them. */
function incompleteTail(bytes: Buffer, length: number): number {
  for (let i = length - 1, count = 1; i >= 0; i--, count++) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) {
      if (count >= 4 || i === 0) return 0;
      continue;
    }
    const needed = (byte & 0xe0) === 0xc0 ? 2 : (byte & 0xf0) === 0xe0 ? 3 : (byte & 0xf8) === 0xf0 ? 4 : 0;
    return count < needed ? count : 0;
  }
  return 0;
}

const oneLine = (text: string) => (text.includes('\n') ? text.replace(/\n/g, ' ') : text);
