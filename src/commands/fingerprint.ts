import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { cleanField, FIELD_CAPS } from '../core/clean.js';
import { ExitCode } from '../core/errors.js';
import { createFingerprinter } from '../core/fingerprint.js';
import { createRedactor } from '../core/redact.js';
import { createTemplateLearner, maskMessage } from '../core/template.js';

/** One message per line in, `<fingerprint>\t<template>` per line out, in order. Messages are cleaned
 * as `sentinel run` cleans them, so a line groups here exactly as the same row would. */
export async function fingerprintCommand(
  options: { explain?: boolean },
  io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream },
): Promise<number> {
  const learner = createTemplateLearner();
  const fingerprinter = createFingerprinter([]);
  const redactor = createRedactor();
  const out: string[] = [];
  // Waits for a slow reader: 1M lines must not pile up in memory on their way out.
  const flush = async () => {
    if (out.length && !io.output.write(`${out.join('\n')}\n`)) await once(io.output, 'drain');
    out.length = 0;
  };
  for await (const line of createInterface({ input: io.input, crlfDelay: Infinity })) {
    const message = cleanField(line, FIELD_CAPS.message, redactor).text;
    const { key, template } = learner.templateOf(message);
    const fingerprint = fingerprinter.fingerprintOf({
      message,
      template: key,
      exceptionType: null,
      logger: null,
      function: null,
      line: null,
      levelName: 'ERROR',
    });
    out.push(options.explain ? `${fingerprint}\t${oneLine(template)}\t${oneLine(maskMessage(message))}` : `${fingerprint}\t${oneLine(template)}`);
    if (out.length >= 4096) await flush();
  }
  await flush();
  return ExitCode.ok;
}

const oneLine = (text: string) => text.replace(/[\t\n]/g, ' ');
