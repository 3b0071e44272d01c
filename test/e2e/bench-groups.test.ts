import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeBenchDatabase } from '../../src/bench/bench-data.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

// `npm run bench` measures runs over these tables; its figures mean something only if they group right.
describe('the bench tables', () => {
  it.each([3, 10])(
    'give exactly one group per message kind, %i kinds (digit-free hex ids and voice names included)',
    async (kinds) => {
      const dir = tempDir('sentinel-bench-groups-');
      writeBenchDatabase(join(dir, 'logs.db'), 20_000, 1, Date.now() - 20_000 * 10, kinds);
      writeFileSync(join(dir, 'sentinel.yaml'), 'source: {path: ./logs.db, first_run_lookback: 3650d}\nclaude: {enabled: false}\n');
      const result = await runCli(['run', '--json'], { cwd: dir });
      expect(result.exitCode, result.stderr).toBe(0);
      const groups = (JSON.parse(result.stdout) as { groups: { template: string }[] }).groups;
      expect(groups.map((g) => g.template).sort()).toHaveLength(kinds);
    },
    60_000,
  );
});
