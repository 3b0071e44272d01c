import { once } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { cleanField, FIELD_CAPS } from '../core/clean.js';
import { ExitCode } from '../core/errors.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createRedactor } from '../core/redact.js';
import { createTemplateLearner, type TemplateMatch } from '../core/template.js';
import { createDoorkeeper, stringHash } from '../core/doorkeeper.js';

/** Lines decided together, as `sentinel run` decides a run's rows together: bounded memory. */
const BATCH = 10_000;
/** Characters of lines, cleaned messages and output lines remembered (a few MB). */
const LINE_CACHE_CHARS = 4_000_000;

/** A line seen before: its cleaned message, and its output line as the learner answered at `revision`. */
interface KnownLine {
  message: string;
  out: Buffer | null;
  revision: number;
}

/** One message per line in, `<fingerprint>\t<template>` per line out, in order. Messages are cleaned
 * as `sentinel run` cleans them, and each batch of lines is grouped as one run's rows would be.
 * `--explain` adds a third column: per token, why it is a variable or kept. */
export async function fingerprintCommand(
  options: { explain?: boolean },
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<number> {
  const learner = createTemplateLearner();
  const fingerprinter = createFingerprinter([]);
  const redactor = createRedactor();
  // Line → what is known of it: repeated lines are redacted once (kept from their second sighting). Bounded like the learner's cache.
  const lines = new Map<string, KnownLine>();
  const seen = createDoorkeeper();
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
  // Waits for a slow reader: 1M lines must not pile up in memory on their way out.
  const flush = async () => {
    const answers: TemplateMatch[] = [];
    const answeredAt: number[] = [];
    for (const message of messages) {
      answers.push(learner.templateOf(message));
      answeredAt.push(learner.revision());
    }
    learner.decide();
    // While the learner's answers stand, a line's answer is the one it got as it was counted, and a
    // known line's output is still right (not with explanations: they count rows).
    const revision = learner.revision();
    const reuse = !options.explain;
    const parts: Buffer[] = [];
    let text = '';
    for (let i = 0; i < messages.length; i++) {
      const line = reuse ? known[i] : undefined;
      if (line?.out && line.revision === revision) {
        if (text) parts.push(Buffer.from(text));
        text = '';
        parts.push(line.out);
        continue;
      }
      const message = messages[i]!;
      const out = outputOf(message, reuse && answeredAt[i] === revision ? answers[i]! : learner.lookup(message));
      if (line === undefined) {
        text += out;
        continue;
      }
      if (text) parts.push(Buffer.from(text));
      text = '';
      line.out = Buffer.from(out);
      line.revision = revision;
      charsHeld += out.length;
      parts.push(line.out);
    }
    if (text) parts.push(Buffer.from(text));
    messages.length = 0;
    known.length = 0;
    if (parts.length && !io.output.write(Buffer.concat(parts))) await once(io.output, 'drain');
  };
  const add = (line: string) => {
    let entry = lines.get(line);
    if (entry === undefined) {
      const message = cleanField(line, FIELD_CAPS.message, redactor).text;
      if (seen(stringHash(line))) {
        const chars = line.length + (message === line ? 0 : message.length);
        charsHeld += chars;
        if (charsHeld > LINE_CACHE_CHARS) {
          lines.clear();
          charsHeld = chars;
        }
        lines.set(line, (entry = { message, out: null, revision: -1 }));
      }
      messages.push(message);
    } else messages.push(entry.message);
    known.push(entry);
  };
  // Lines end at \n, \r\n or a lone \r, as readline's with `crlfDelay: Infinity`; a last line without one counts.
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let afterReturn = false;
  for await (const chunk of io.input) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (afterReturn) {
      if (text.charCodeAt(0) === 10) text = text.slice(1);
      afterReturn = false;
    }
    const hasReturn = text.includes('\r');
    if (!hasReturn && !text.includes('\n')) {
      rest += text; // a long line is not scanned again for each of its chunks
      continue;
    }
    afterReturn = text.endsWith('\r');
    text = rest + text;
    let start = 0;
    if (hasReturn) {
      for (const end of text.matchAll(LINE_END)) {
        add(text.slice(start, end.index));
        start = end.index + end[0].length;
        if (messages.length >= BATCH) await flush();
      }
    } else {
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        add(text.slice(start, end));
        start = end + 1;
        if (messages.length >= BATCH) await flush();
      }
    }
    rest = text.slice(start);
  }
  if (rest) add(rest);
  await flush();
  return ExitCode.ok;
}

const LINE_END = /\r\n|\r|\n/g;

const oneLine = (text: string) => (text.includes('\n') ? text.replace(/\n/g, ' ') : text);
