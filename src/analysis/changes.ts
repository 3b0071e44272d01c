import * as z from '../core/zod.js';
import { locate, type CodeRoot } from '../adapters/code-tree.js';
import { COMMIT_PATTERN, commitsSince, isWorkTree, runGit } from '../adapters/git-history.js';
import { cleanField } from '../core/clean.js';
import { defineAnalysis, type Analysis } from './define.js';
import { fence, formatTime, plural } from './render.js';
import { truncateMiddleUtf8Bytes } from '../core/text.js';

export const CHANGES_MAX_COMMITS = 30;
const FILES_PER_COMMIT = 15;
const DIFF_MAX_BYTES = 7_000;

export function createRecentChanges(roots: readonly CodeRoot[]): Analysis {
  return defineAnalysis({
    name: 'recent_changes',
    description:
      `The commits of the last hours in each code root that is a git work tree (hash, time, author, subject, files changed), newest first, ` +
      `at most ${CHANGES_MAX_COMMITS}; optionally only those touching one path. A new error minutes after a deploy is the most common cause.`,
    inputSchema: z.strictObject({
      hours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(24)
        .describe('how far back, 1–720 hours (default 24)'),
      path: z.string().min(1).max(1024).optional().describe('only commits touching this file or directory'),
    }),
    async run({ hours, path }, { clock, redactor }) {
      const since = clock.now() - hours * 3_600_000;
      const sections: string[] = [];
      for (const root of roots) {
        let relative: string | undefined;
        if (path !== undefined) {
          const found = locate([root], path);
          if ('reason' in found) continue;
          relative = found.path;
        }
        if (!(await isWorkTree(root.real))) {
          sections.push(`${root.root}: not a git work tree`);
          continue;
        }
        const log = await commitsSince(root.real, since, CHANGES_MAX_COMMITS, relative);
        if (!log.ok) {
          sections.push(`${root.root}: ${log.reason}`);
          continue;
        }
        const lines = log.commits.map((c) => {
          const files = c.files.filter((f) => root.allows(f));
          const shown =
            files.slice(0, FILES_PER_COMMIT).join(', ') +
            (files.length > FILES_PER_COMMIT ? `, … ${files.length - FILES_PER_COMMIT} more` : '');
          return `${c.hash.slice(0, 12)} ${formatTime(c.time)} ${c.author}: ${c.subject}\n    files: ${shown || '(none sentinel may read)'}`;
        });
        const head = `${root.root}: ${plural(log.commits.length, 'commit')} in the last ${plural(hours, 'hour')}${relative ? ` touching ${relative}` : ''}${log.commits.length === CHANGES_MAX_COMMITS ? ' (the newest shown)' : ''}`;
        sections.push(lines.length ? `${head} (untrusted text):\n${fence(cleanField(lines.join('\n'), 7_000, redactor).text)}` : head);
      }
      if (path !== undefined && sections.length === 0) return { kind: 'rejected', text: locateReason(roots, path) };
      return { kind: 'ok', text: sections.join('\n\n') || 'no code roots configured', truncated: false };
    },
  });
}

export function createShowChange(roots: readonly CodeRoot[]): Analysis {
  return defineAnalysis({
    name: 'show_change',
    description:
      'The diff one commit (a hex hash from recent_changes) made to one file, with its hash, time, author and subject; redacted, bounded.',
    inputSchema: z.strictObject({
      commit: z.string().regex(COMMIT_PATTERN, 'a commit is 7–40 lower-case hex digits, as recent_changes shows it'),
      path: z.string().min(1).max(1024).describe('the file, relative to its code root or absolute'),
    }),
    async run({ commit, path }, { redactor }) {
      const found = locate(roots, path);
      if ('reason' in found) return { kind: 'rejected', text: found.reason };
      const { root } = found;
      const exists = await runGit(root.real, ['cat-file', '-e', `${commit}^{commit}`]);
      if (!exists.ok) return { kind: 'rejected', text: `no commit ${commit} in ${root.root}: use a hash recent_changes listed` };
      const shown = await runGit(root.real, [
        'show',
        '--relative',
        '--no-ext-diff',
        '--no-textconv',
        '--no-color',
        '--unified=3',
        '--format=%H%n%ct%n%an%n%s',
        commit,
        '--',
        found.path,
      ]);
      if (!shown.ok) return { kind: 'rejected', text: `${root.root}: ${shown.reason}` };
      const [hash = '', at = '0', author = '', subject = '', ...diff] = shown.stdout.split('\n');
      const body = diff.join('\n').replace(/^\n+/, '');
      const head = `${hash.slice(0, 12)} ${formatTime(Number(at) * 1000)} ${author}: ${subject}`;
      const text = body.trim() === '' ? `${found.path} is not changed by this commit` : truncateMiddleUtf8Bytes(body, DIFF_MAX_BYTES);
      const cut = shown.cut || text.length < body.length;
      return {
        kind: 'ok',
        text: `Commit (untrusted text):\n${fence(cleanField(`${head}\n\n${text}`, DIFF_MAX_BYTES + 500, redactor).text)}${cut ? '\n… diff cut: it is larger than 7 KB' : ''}`,
        truncated: cut,
      };
    },
  });
}

function locateReason(roots: readonly CodeRoot[], path: string): string {
  const found = locate(roots, path);
  return 'reason' in found ? found.reason : `${path}: no code root holds it`;
}
