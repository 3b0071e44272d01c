import type { StateStore } from '../core/state-store.js';
import { cleanRow } from '../core/clean.js';
import type { Config } from '../core/config.js';
import { createFingerprinter } from '../core/fingerprint.js';
import type { IgnoreSubject } from '../core/ignore.js';
import type { Redactor } from '../core/redact.js';
import { createRowGrouper } from '../core/tally.js';
import type { LogRow } from '../core/types.js';
import { restoreLearner } from './learner.js';

export interface RowDescriber {
  /** The row as `sentinel run` sees it: cleaned, templated and fingerprinted the way the tally does. */
  describe(row: LogRow): { subject: IgnoreSubject; template: string };
}

/** `ignore test` must print the fingerprint a run gives: the same cleaning, the stored learner, the aliases. */
export async function createRowDescriber(deps: {
  config: Config;
  state: StateStore;
  redactor: Redactor;
  now: number;
}): Promise<RowDescriber> {
  const fingerprinter = createFingerprinter(deps.config.fingerprint.rules);
  const learner = await restoreLearner(deps.state, fingerprinter, [], deps.now);
  const groupRow = createRowGrouper({
    templateOf: (message, context) => learner.templateOf(message, context),
    fingerprinter: { fingerprintOf: (input) => deps.state.canonicalFingerprint(fingerprinter.fingerprintOf(input)) },
  });
  return {
    describe(raw) {
      const { row } = cleanRow(raw, deps.redactor);
      const { exceptionType, fingerprint, template } = groupRow(row);
      return { subject: { fingerprint, message: row.message, logger: row.logger, exceptionType, levelName: row.levelName }, template };
    },
  };
}
