import { locate, readCodeFile, type CodeRoot } from '../adapters/code-tree.js';
import { commitsSince, isWorkTree, type Commit } from '../adapters/git-history.js';
import { renderLines } from '../analysis/code.js';
import { parseTracebackFrames, type CodeChange, type CodeFrame, type GroupCode } from '../core/code-context.js';
import { flattenInline } from '../core/fence.js';
import type { TriggeredGroup } from '../core/prompt.js';
import type { Redactor } from '../core/redact.js';

const FRAMES_PER_GROUP = 4;
const SOURCE_CONTEXT = 2;
const CHANGES_PER_GROUP = 3;
const GROUPS = 10;
/** Commits this long before a group's first row count as "the change that may have caused it". */
const LOOKBACK_MS = 24 * 3_600_000;
const MAX_COMMITS = 200;

/** For each group with a traceback: its frames under a code root, a few source lines each, and the
 * commits since a day before its first row that touched one of those files. One git log per root. */
export async function collectGroupCode(
  groups: readonly TriggeredGroup[],
  roots: readonly CodeRoot[],
  redactor: Redactor,
): Promise<GroupCode[]> {
  if (roots.length === 0) return [];
  const logs = new Map<CodeRoot, Promise<Commit[]>>();
  const commitsOf = (root: CodeRoot, since: number) => {
    if (!logs.has(root))
      logs.set(
        root,
        (async () => ((await isWorkTree(root.real)) ? await commitsSince(root.real, since, MAX_COMMITS) : null))().then((r) =>
          r?.ok ? r.commits : [],
        ),
      );
    return logs.get(root)!;
  };
  const earliest = Math.min(...groups.map((g) => g.firstSeen)) - LOOKBACK_MS;
  const out: GroupCode[] = [];
  for (const group of [...groups].sort((a, b) => b.count - a.count).slice(0, GROUPS)) {
    const traceback = group.samples.find((s) => s.exception)?.exception;
    if (!traceback) continue;
    const frames: (CodeFrame & { root: CodeRoot })[] = [];
    for (const frame of parseTracebackFrames(traceback)) {
      const found = locate(roots, frame.file);
      if ('reason' in found || /(^|\/)(site|dist)-packages\//.test(found.path)) continue;
      const read = readCodeFile(roots, frame.file);
      const source = read.ok
        ? renderLines(read.text, Math.max(1, frame.line - SOURCE_CONTEXT), frame.line + SOURCE_CONTEXT, frame.line, redactor)
        : null;
      frames.push({ ...frame, path: found.path, source, root: found.root });
    }
    const kept = frames.slice(-FRAMES_PER_GROUP);
    if (kept.length === 0) continue;
    const changes: CodeChange[] = [];
    for (const root of new Set(kept.map((f) => f.root))) {
      const files = new Set(kept.filter((f) => f.root === root).map((f) => f.path));
      for (const commit of await commitsOf(root, earliest)) {
        const touched = commit.files.filter((f) => files.has(f));
        if (touched.length === 0 || commit.time < group.firstSeen - LOOKBACK_MS) continue;
        changes.push({
          hash: commit.hash,
          time: commit.time,
          author: redactor.redact(flattenInline(commit.author, 80)).text,
          subject: redactor.redact(flattenInline(commit.subject, 200)).text,
          files: touched,
        });
      }
    }
    changes.sort((a, b) => b.time - a.time);
    out.push({ fingerprint: group.fingerprint, frames: kept.map(({ root: _, ...f }) => f), changes: changes.slice(0, CHANGES_PER_GROUP) });
  }
  return out;
}
