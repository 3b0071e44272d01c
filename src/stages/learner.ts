import type { StateStore } from '../core/state-store.js';
import { appFramesOf, type Fingerprinter } from '../core/fingerprint.js';
import type { GroupFold } from '../core/tally.js';
import { contextKey, createTemplateLearner, NORMALIZER_VERSION, type TemplateLearner } from '../core/template.js';
import type { GroupRecord } from '../core/records.js';

/** The template learner as the last run left it. When another normalizer version (or nothing
 * readable) is stored, a fresh learner learns every known group's samples and decides; each
 * fingerprint it now gives becomes an alias of the oldest group it stands for, and the younger
 * groups it also stands for are splinters, folded into that one: an upgrade never re-alerts. */
export async function restoreLearner(
  state: StateStore,
  fingerprinter: Fingerprinter,
  warnings: { kind: string; message: string }[],
  now: number,
): Promise<TemplateLearner> {
  const text = state.learnerSnapshot();
  if (!text) return createTemplateLearner();
  // Its schema is zod's: loaded here, at the first row, so that a run with no new rows loads no zod.
  const { parseLearnerSnapshot } = await import('../core/template-snapshot.js');
  let raw: unknown = null;
  try {
    raw = JSON.parse(text);
  } catch {
    // unreadable: treated like an outdated one below
  }
  const parsed = parseLearnerSnapshot(raw);
  if (parsed.kind === 'ok') return createTemplateLearner(parsed.snapshot);

  const learner = createTemplateLearner();
  const groups = state.allGroups(); // oldest first
  const contextOf = (group: GroupRecord, sample: GroupRecord['samples'][number]) =>
    contextKey({
      exceptionType: group.exceptionType,
      logger: group.logger,
      function: group.function,
      frames: appFramesOf(sample.exception),
    });
  for (const group of groups) for (const sample of group.samples) learner.templateOf(sample.message, contextOf(group, sample));
  learner.decide();

  const claimed = new Map<string, string>();
  const folds: GroupFold[] = [];
  for (const group of groups) {
    const fingerprints = group.samples.map((sample) =>
      fingerprinter.fingerprintOf({
        message: sample.message,
        template: learner.lookup(sample.message, contextOf(group, sample)).key,
        exceptionType: group.exceptionType,
        logger: group.logger,
        function: group.function,
        line: null,
        levelName: group.levelName,
      }),
    );
    const owner = fingerprints.map((f) => claimed.get(f)).find((f) => f !== undefined && f !== group.fingerprint);
    if (owner !== undefined) folds.push({ from: group.fingerprint, to: owner, rows: 0, template: group.template });
    for (const f of fingerprints) if (!claimed.has(f)) claimed.set(f, owner ?? group.fingerprint);
  }
  const aliases = [...claimed].filter(([alias, fingerprint]) => alias !== fingerprint);
  state.addAliases(aliases);
  state.foldGroups(folds, now);
  const was = parsed.kind === 'outdated' ? `version ${parsed.version}` : 'unreadable state';
  const survivors = new Set(folds.map((f) => f.to)).size;
  warnings.push({
    kind: 'normalizer-upgrade',
    message: `normalizer ${was} → version ${NORMALIZER_VERSION}: ${folds.length} splinter groups folded into ${survivors} groups, ${aliases.length} changed fingerprints kept as aliases of their groups`,
  });
  return learner;
}
