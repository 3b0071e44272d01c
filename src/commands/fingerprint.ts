import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { cleanField, FIELD_CAPS } from '../core/clean.js';
import { ExitCode } from '../core/errors.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createRedactor } from '../core/redact.js';
import { createTemplateLearner } from '../core/template.js';
import { createDoorkeeper, stringHash } from '../core/doorkeeper.js';

/** Lines decided together, as `sentinel run` decides a run's rows together: bounded memory. */
const BATCH = 10_000;
/** Characters of lines and cleaned messages remembered (a few MB). */
const CLEANED_CACHE_CHARS = 4_000_000;

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
  const batch: string[] = [];
  // Waits for a slow reader: 1M lines must not pile up in memory on their way out.
  const flush = async () => {
    for (const message of batch) learner.templateOf(message);
    learner.decide();
    const out = batch.map((message) => {
      const { key, template } = learner.lookup(message);
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
      return `${fingerprint}\t${oneLine(template)}${oneLine(explained)}`;
    });
    batch.length = 0;
    if (out.length && !io.output.write(`${out.join('\n')}\n`)) await once(io.output, 'drain');
  };
  // Line → its cleaned message: repeated lines are redacted once (kept from their second sighting). Bounded like the learner's cache.
  const cleaned = new Map<string, string>();
  const seen = createDoorkeeper();
  let charsHeld = 0;
  const clean = (line: string) => {
    let text = cleaned.get(line);
    if (text === undefined) {
      text = cleanField(line, FIELD_CAPS.message, redactor).text;
      if (!seen(stringHash(line))) return text;
      charsHeld += line.length + text.length;
      if (charsHeld > CLEANED_CACHE_CHARS) {
        cleaned.clear();
        charsHeld = line.length + text.length;
      }
      cleaned.set(line, text);
    }
    return text;
  };
  for await (const line of createInterface({ input: io.input, crlfDelay: Infinity })) {
    batch.push(clean(line));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return ExitCode.ok;
}

const oneLine = (text: string) => (text.includes('\n') ? text.replace(/\n/g, ' ') : text);
