import type { IgnoreRule } from './ignore-schema.js';
import { compileLoggerGlob } from './logger-glob.js';
import { levelName, levelNumber } from './levels.js';

/** What an ignore rule is tested against: the row after cleaning, with its fingerprint. */
export interface IgnoreSubject {
  fingerprint: string;
  message: string;
  logger: string | null;
  exceptionType: string | null;
  levelName: string;
}

export interface IgnoreMatcher {
  /** The first rule in force at `now` that matches, or null. */
  match(subject: IgnoreSubject): IgnoreRule | null;
}

export function createIgnoreMatcher(rules: IgnoreRule[], now: number): IgnoreMatcher {
  const active = rules
    .filter((rule) => rule.until === undefined || rule.until > now)
    .map((rule) => ({ rule, logger: rule.match.logger ? compileLoggerGlob(rule.match.logger) : null }));
  return {
    match(subject) {
      for (const { rule, logger } of active) {
        const m = rule.match;
        if (m.fingerprint !== undefined && m.fingerprint !== subject.fingerprint) continue;
        if (m.exception !== undefined && m.exception !== subject.exceptionType) continue;
        if (m.level !== undefined && m.level !== canonicalLevel(subject.levelName)) continue;
        if (logger && !logger(subject.logger ?? '')) continue;
        if (m.message && !m.message.test(subject.message)) continue;
        return rule;
      }
      return null;
    },
  };
}

/** A row's level as a rule names it: `WARN` from another logger is `WARNING`; an unknown name stays itself. */
function canonicalLevel(name: string): string {
  const n = levelNumber(name);
  return n === undefined ? name.toUpperCase() : levelName(n);
}

export const isExpired = (rule: IgnoreRule, now: number) => rule.until !== undefined && rule.until <= now;
