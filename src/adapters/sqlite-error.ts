/** A SQLite error as one line: its message and its code (SQLITE_BUSY, SQLITE_CORRUPT, …). */
export function describeSqliteError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
