/** Exit codes, as documented in the README and the architecture doc. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  source: 3,
  locked: 4,
  state: 5,
  /** A check or a channel failed (`doctor` found a ✗, `notify` could not send): sentinel worked, what it checked did not. */
  failed: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A broken environment or bad input: printed as one line on stderr, exits with `code`. */
export class SentinelError extends Error {
  constructor(
    message: string,
    readonly code: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SentinelError';
  }
}

/** What an error says, for a one-line reason (a thrown non-Error as its string). */
export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
