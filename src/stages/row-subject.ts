import type { StateStore } from '../core/state-store.js';
import { cleanRow } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { appFramesOf, createFingerprinter, exceptionTypeOf } from '../core/fingerprint.js';
import type { IgnoreSubject } from '../core/ignore.js';
import type { Redactor } from '../core/redact.js';
import { contextKey, type TemplateLearner } from '../core/template.js';
import type { LogRow } from '../core/types.js';
import { restoreLearner } from './learner.js';

export interface RowDescriber {
  /** The row as `sentinel run` sees it: cleaned, templated and fingerprinted the way the tally does. */
  describe(row: LogRow): { subject: IgnoreSubject; template: string };
}

/** `ignore test` must print the fingerprint a run gives: the same cleaning, the stored learner, the aliases. */
export function createRowDescriber(deps: { config: Config; state: StateStore; redactor: Redactor; now: number }): RowDescriber {
  const fingerprinter = createFingerprinter(deps.config.fingerprint.rules);
  let learner: TemplateLearner | null = null;
  return {
    describe(raw) {
      learner ??= restoreLearner(deps.state, fingerprinter, [], deps.now);
      const { row } = cleanRow(raw, deps.redactor);
      const exceptionType = exceptionTypeOf(row.exception);
      const context = contextKey({ exceptionType, logger: row.logger, function: row.function, frames: appFramesOf(row.exception) });
      const { key, template } = learner.templateOf(row.message, context);
      const fingerprint = deps.state.canonicalFingerprint(
        fingerprinter.fingerprintOf({
          message: row.message,
          template: key,
          exceptionType,
          logger: row.logger,
          function: row.function,
          line: row.line,
          levelName: row.levelName,
        }),
      );
      return { subject: { fingerprint, message: row.message, logger: row.logger, exceptionType, levelName: row.levelName }, template };
    },
  };
}
