import type { Clock } from '../core/types.js';

/** What a command may touch of the process: cli.ts builds it, tests can build their own. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock: Clock;
  pid: number;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stderr is a terminal: progress lines are worth drawing. */
  interactive: boolean;
}
