import * as z from './zod.js';

/** Claude's structured answer. The bounds are also in the JSON Schema, so the CLI holds the model to them. */
export const answerSchema = z.object({
  verdict: z
    .enum(['real_issue', 'noise', 'unclear'])
    .describe('real_issue: someone should act; noise: expected or harmless, safe to ignore; unclear: the evidence does not decide'),
  severity: z
    .enum(['critical', 'high', 'medium', 'low'])
    .describe('critical: users are broken now; high: degraded or will break soon; medium: needs work this week; low: cosmetic or noise'),
  title: z.string().min(1).max(120).describe('One line naming the problem, e.g. "Gemini 429s stall the TTS queue"'),
  summary: z.string().min(1).max(2000).describe('What is happening, since when, how much, who is affected: a few sentences'),
  root_cause: z
    .object({
      text: z.string().min(1).max(2000).describe('The most likely cause and the reasoning behind it'),
      status: z
        .enum(['hypothesis', 'confirmed'])
        .describe('confirmed only when a tool result shows the cause directly; otherwise hypothesis'),
    })
    .describe('The root cause, marked as a hypothesis unless the evidence shows it'),
  evidence: z
    .array(
      z.object({
        tool: z.string().min(1).max(100).describe('The tool that showed it'),
        finding: z.string().min(1).max(1000).describe('What it showed, with the figures'),
      }),
    )
    .max(12)
    .describe('What the tools showed; every claim above should rest on one of these'),
  actions: z.array(z.string().min(1).max(500)).max(8).describe('Concrete next steps, most useful first'),
  suggested_ignore: z
    .array(
      z.object({
        match: z
          .object({
            fingerprint: z.string().min(1).max(64).optional(),
            message: z.string().min(1).max(300).optional().describe('RE2 regular expression on the message'),
            logger: z.string().min(1).max(200).optional().describe('glob on the logger name, e.g. app.jobs.*'),
            exception: z.string().min(1).max(200).optional().describe('exact exception type, e.g. TimeoutError'),
          })
          .describe('At least one key; all given keys must match'),
        reason: z.string().min(1).max(300).describe('Why these rows are not worth an alert'),
      }),
    )
    .max(5)
    .describe('Only for noise: ignore rules that would silence exactly these rows and nothing else'),
  confidence: z.number().min(0).max(1).describe('0 to 1: how sure you are of the verdict'),
  fix_scope: z
    .enum(['app_code', 'config', 'infra', 'third_party', 'unknown'])
    .optional()
    .describe("Where a fix belongs: app_code only when a change to the application's own source code fixes it"),
});

export type Answer = z.infer<typeof answerSchema>;
export type Verdict = Answer['verdict'];
export type SuggestedIgnore = Answer['suggested_ignore'][number];

/**
 * For `claude --json-schema`: the CLI offers it as the StructuredOutput tool's input and holds the
 * model to it. Without `$schema`: given zod's draft 2020-12 URI, claude 2.1.197 silently drops the tool.
 */
export const answerJsonSchema: Record<string, unknown> = (({ $schema, ...schema }) => schema)(z.toJSONSchema(answerSchema));

export type ParsedAnswer = { ok: true; answer: Answer } | { ok: false; reason: string };

/** Validates the runner's `answer`; a rule that matches nothing specific is dropped, not fatal. */
export function parseAnswer(raw: unknown): ParsedAnswer {
  const parsed = answerSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`);
    return { ok: false, reason: `the answer does not match the schema: ${issues.join('; ')}` };
  }
  const answer = parsed.data;
  return {
    ok: true,
    answer: { ...answer, suggested_ignore: answer.suggested_ignore.filter((s) => Object.values(s.match).some(Boolean)) },
  };
}
