// Message → template: regex masking, then variables learned from evidence. See template-learner.ts
// for the stability rule (fingerprint by `key`, display `template`) and template-evidence.ts for the rule.
export { maskMessage } from './template-mask.js';
export {
  contextKey,
  DEFAULT_LEARNER_OPTIONS,
  NORMALIZER_VERSION,
  createTemplateLearner,
  type Fold,
  type LearnerOptions,
  type LearnerSnapshot,
  type MessageContext,
  type TemplateLearner,
  type TemplateMatch,
  type TokenExplanation,
} from './template-learner.js';
