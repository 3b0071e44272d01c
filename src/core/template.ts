// Message → template: regex masking plus an online template learner. See template-learner.ts
// for the stability rule (fingerprint by `key`, display `template`).
export { maskMessage } from './template-mask.js';
export {
  DEFAULT_LEARNER_OPTIONS,
  NORMALIZER_VERSION,
  createTemplateLearner,
  type LearnerOptions,
  type LearnerSnapshot,
  type TemplateLearner,
  type TemplateMatch,
} from './template-learner.js';
export { parseLearnerSnapshot, type SnapshotParse } from './template-snapshot.js';
