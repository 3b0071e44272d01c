/** One log row as read from the app's database, before cleaning. */
export interface LogRow {
  id: number;
  /** Milliseconds since the epoch (UTC); null when the row's time could not be parsed. */
  time: number | null;
  /** Loguru level number (WARNING 30, ERROR 40, CRITICAL 50). */
  levelNo: number;
  levelName: string;
  message: string;
  logger: string | null;
  function: string | null;
  line: number | null;
  exception: string | null;
  extra: string | null;
  /** The app host that wrote it, when the table has a host column (several hosts, one table). */
  host?: string | null;
}

/** Time comes into the core from outside, so the core stays pure and testable. */
export interface Clock {
  now(): number;
}

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
