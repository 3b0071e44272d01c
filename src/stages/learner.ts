import type { StateStore } from '../adapters/state-store.js';
import type { Fingerprinter } from '../core/fingerprint.js';
import { createTemplateLearner, NORMALIZER_VERSION, type TemplateLearner } from '../core/template.js';
import { parseLearnerSnapshot } from '../core/template-snapshot.js';

/** The template learner as the last run left it. When another normalizer version (or nothing
 * readable) is stored, a fresh learner re-learns each known group's sample, and the fingerprint it
 * now gets becomes an alias of the group's: an upgrade never re-alerts what is already known. */
export function restoreLearner(state: StateStore, fingerprinter: Fingerprinter, warnings: { kind: string; message: string }[]): TemplateLearner {
  const text = state.learnerSnapshot();
  if (!text) return createTemplateLearner();
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {
    // unreadable: treated like an outdated one below
  }
  const parsed = parseLearnerSnapshot(raw);
  if (parsed.kind === 'ok') return createTemplateLearner(parsed.snapshot);

  const learner = createTemplateLearner();
  const aliases: [string, string][] = [];
  for (const group of state.allGroups()) {
    const sample = group.samples[0];
    if (!sample) continue;
    const fingerprint = fingerprinter.fingerprintOf({
      message: sample.message,
      template: learner.templateOf(sample.message).key,
      exceptionType: group.exceptionType,
      logger: group.logger,
      function: group.function,
      line: null,
      levelName: group.levelName,
    });
    if (fingerprint !== group.fingerprint) aliases.push([fingerprint, group.fingerprint]);
  }
  state.addAliases(aliases);
  const was = parsed.kind === 'outdated' ? `version ${parsed.version}` : 'unreadable state';
  warnings.push({
    kind: 'normalizer-upgrade',
    message: `normalizer ${was} → version ${NORMALIZER_VERSION}: ${aliases.length} changed fingerprints kept as aliases of their groups`,
  });
  return learner;
}
