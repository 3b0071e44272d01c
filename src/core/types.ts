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
