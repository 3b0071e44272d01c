import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** The functions that took the most CPU (self time) in the V8 profiles `node --cpu-prof` wrote to `dir`. */
export function summariseProfiles(dir: string, label: string, top = 12): string {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
      const key = `${(functionName || '(anonymous)').slice(0, 80)} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + hits);
      total += hits;
    }
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `  profile of ${label} (self time, ${dir}):`,
    ...rows.map(([name, hits]) => `  ${((100 * hits) / Math.max(total, 1)).toFixed(1).padStart(5)} %  ${name}`),
  ].join('\n');
}
