import { z } from 'zod';
import { NORMALIZER_VERSION, type LearnerSnapshot } from './template-learner.js';

const count = z.number().int().positive();

const snapshotSchema = z.object({
  version: z.number().int(),
  options: z.object({
    similarity: z.number().min(0).max(1),
    prefix: z.number().int().min(0),
    maxClusters: count,
    maxShapes: count,
    maxLength: count,
  }),
  clusters: z.array(z.tuple([z.string(), z.string()])),
  shapes: z.array(z.tuple([z.string(), z.number().int().min(-1)])),
});

export type SnapshotParse =
  | { kind: 'ok'; snapshot: LearnerSnapshot }
  | { kind: 'outdated'; version: number }
  | { kind: 'invalid'; reason: string };

/** Checks stored learner state before restoring it: the shape, the version and the indexes.
 * `outdated` means another NORMALIZER_VERSION wrote it; its keys would not be reproduced. */
export function parseLearnerSnapshot(raw: unknown): SnapshotParse {
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: z.prettifyError(parsed.error) };
  const snapshot = parsed.data;
  if (snapshot.version !== NORMALIZER_VERSION) return { kind: 'outdated', version: snapshot.version };
  const bad = snapshot.shapes.find(([, index]) => index >= snapshot.clusters.length);
  if (bad) return { kind: 'invalid', reason: `shape refers to cluster ${bad[1]} of ${snapshot.clusters.length}` };
  return { kind: 'ok', snapshot };
}
