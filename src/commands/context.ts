import type { Clock } from '../core/types.js';

/** What a command may touch of the process: cli.ts builds it, tests can build their own. */
export interface CommandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  clock: Clock;
  pid: number;
  /** The running CLI's entry file: Claude starts `node <cliPath> mcp` from it. */
  cliPath: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Redraws a one-line progress display on a terminal ('' clears it); does nothing elsewhere. */
  progress: (text: string) => void;
}
