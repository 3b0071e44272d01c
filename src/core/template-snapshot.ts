import * as z from './zod.js';
import { NORMALIZER_VERSION, type LearnerSnapshot } from './template-learner.js';

const count = z.number().int().positive();

const snapshotSchema = z.object({
  version: z.number().int(),
  options: z.object({ maxClusters: count, maxShapes: count, maxLength: count }),
  clusters: z.array(
    z.object({
      key: z.string(),
      template: z.string(),
      context: z.string(),
      rows: z.number().int().min(0),
      into: z.number().int().min(0).optional(),
      why: z.record(z.string(), z.string()).optional(),
    }),
  ),
  shapes: z.array(z.tuple([z.string(), z.string(), z.number().int().min(-1)])),
});

export type SnapshotParse =
  | { kind: 'ok'; snapshot: LearnerSnapshot }
  | { kind: 'outdated'; version: number }
  | { kind: 'invalid'; reason: string };

/** Checks stored learner state before restoring it: the shape, the version and the indexes.
 * `outdated` means another NORMALIZER_VERSION wrote it; its keys would not be reproduced. */
export function parseLearnerSnapshot(raw: unknown): SnapshotParse {
  const version = z.object({ version: z.number().int() }).safeParse(raw);
  if (version.success && version.data.version !== NORMALIZER_VERSION) return { kind: 'outdated', version: version.data.version };
  const parsed = snapshotSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', reason: z.prettifyError(parsed.error) };
  const snapshot = parsed.data;
  const folded = snapshot.clusters.findIndex((c, i) => c.into !== undefined && c.into >= i);
  if (folded >= 0) return { kind: 'invalid', reason: `cluster ${folded} is folded into a later one` };
  const bad = snapshot.shapes.find(([, , index]) => index >= snapshot.clusters.length);
  if (bad) return { kind: 'invalid', reason: `shape refers to cluster ${bad[2]} of ${snapshot.clusters.length}` };
  return { kind: 'ok', snapshot };
}
