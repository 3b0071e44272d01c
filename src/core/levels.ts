/** Loguru's standard levels, plus the aliases other loggers use. */
const LEVEL_NUMBERS: Record<string, number> = {
  TRACE: 5,
  DEBUG: 10,
  INFO: 20,
  SUCCESS: 25,
  WARNING: 30,
  WARN: 30,
  ERROR: 40,
  ERR: 40,
  EXCEPTION: 40,
  CRITICAL: 50,
  CRIT: 50,
  FATAL: 50,
};

export function levelNumber(name: string): number | undefined {
  return LEVEL_NUMBERS[name.trim().toUpperCase()];
}

/** The standard name of a level number: 45 is reported as ERROR, the name at or below it. */
export function levelName(levelNo: number): string {
  if (levelNo >= 50) return 'CRITICAL';
  if (levelNo >= 40) return 'ERROR';
  if (levelNo >= 30) return 'WARNING';
  if (levelNo >= 25) return 'SUCCESS';
  if (levelNo >= 20) return 'INFO';
  if (levelNo >= 10) return 'DEBUG';
  return 'TRACE';
}

/** Names of the known levels below `minLevel`: a TEXT level column is filtered by excluding these,
 * so a level name sentinel does not know is read rather than silently dropped. */
export function levelNamesBelow(minLevel: number): string[] {
  return Object.entries(LEVEL_NUMBERS)
    .filter(([, n]) => n < minLevel)
    .map(([name]) => name);
}
