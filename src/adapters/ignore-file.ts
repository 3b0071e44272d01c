import { chmodSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, parseDocument, YAMLSeq, type Document, type YAMLMap } from 'yaml';
import { ExitCode, SentinelError } from '../core/errors.js';
import { readIgnoreText } from './ignore-text.js';
import { parseIgnoreRules, type IgnoreRule } from '../core/ignore-schema.js';

/** Reads and validates the ignore list; a missing file is an empty list. */
export function loadIgnoreRules(file: string): IgnoreRule[] {
  return parseIgnoreText(file, readIgnoreText(file));
}

/** The ignore file's text parsed and validated; any fault is a usage error naming the file. */
export function parseIgnoreText(file: string, text: string): IgnoreRule[] {
  const parsed = parseIgnoreRules(toPlain(file, documentOf(file, text)));
  if (!parsed.ok) throw new SentinelError(`${file}: ${parsed.errors.join('; ')}`, ExitCode.usage);
  return parsed.rules;
}

export function readIgnoreDocument(file: string): Document {
  return documentOf(file, readIgnoreText(file));
}

function documentOf(file: string, text: string): Document {
  const doc = parseDocument(text.trim() === '' ? '[]\n' : text);
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new SentinelError(`${file}:${first.linePos?.[0].line ?? '?'}: invalid YAML: ${first.message.split('\n')[0]}`, ExitCode.usage);
  }
  return doc;
}

/** The document as plain data; YAML aliases that expand past yaml's limit (an alias bomb) are a
 * usage error naming the file, like any other broken YAML. */
function toPlain(file: string, doc: Document): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    throw new SentinelError(
      `${file}: invalid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      ExitCode.usage,
    );
  }
}

/** Appends a rule, keeping the file's comments and layout; written atomically. */
export function appendIgnoreRule(file: string, rule: Record<string, unknown>): void {
  const doc = readIgnoreDocument(file);
  // An empty (or missing) file starts a block list, the layout a person edits, not `[ {…} ]`.
  if (!isSeq(doc.contents) || doc.contents.items.length === 0) doc.contents = new YAMLSeq();
  const seq = doc.contents as YAMLSeq;
  const node = doc.createNode(rule);
  // `added: {date: …, author: …}` in the file's own rules: the new one is written the same way.
  if (isMap(node))
    copyFlowStyle(
      node,
      seq.items.filter((item) => isMap(item)),
    );
  seq.add(node);
  const check = parseIgnoreRules(toPlain(file, doc));
  if (!check.ok) throw new SentinelError(`ignore rule not added: ${check.errors.join('; ')}`, ExitCode.usage);
  writeAtomically(file, render(doc, file));
}

/** Each key of the new rule is written as the latest rule that has it as a map writes it. */
function copyFlowStyle(node: YAMLMap, rules: YAMLMap[]): void {
  const last = rules.at(-1);
  if (last) node.flow = last.flow ?? false;
  for (const pair of node.items) {
    if (!isMap(pair.value)) continue;
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    const same = rules.map((rule) => rule.get(key, true)).filter((value) => isMap(value));
    if (same.length > 0) copyFlowStyle(pair.value, same);
  }
}

/** The file's own spacing inside flow maps: `{date: …}` stays `{date: …}`, `{ date: … }` stays so. */
function render(doc: Document, file: string): string {
  const text = readIgnoreText(file);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: /\{ \S/.test(text) });
}

/** Removes the rule with this id, leaving `note` as a comment in its place (an audit trail, and what
 * keeps its id from being handed out again); false when there is no such rule. */
export function removeIgnoreRule(file: string, id: string, note: string): boolean {
  const doc = readIgnoreDocument(file);
  const seq = doc.contents;
  if (!isSeq(seq)) return false;
  const index = seq.items.findIndex((item) => isMap(item) && String(item.get('id')) === id);
  if (index < 0) return false;
  const [removed] = seq.items.splice(index, 1);
  const comment = [(removed as YAMLMap).commentBefore, ` ${note}`].filter(Boolean).join('\n');
  const next = seq.items[index] as YAMLMap | undefined;
  if (next) next.commentBefore = [comment, next.commentBefore].filter(Boolean).join('\n');
  else seq.comment = [seq.comment, comment].filter(Boolean).join('\n');
  writeAtomically(file, render(doc, file));
  return true;
}

/** Keeps the file's permission bits (a new file gets 0644): the CLI's umask is 077, and a file
 * `sudo sentinel ignore add` left 0600 root would be unreadable to the service user. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644;
    writeFileSync(temp, text, { mode });
    chmodSync(temp, mode);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new SentinelError(`ignore file ${file}: cannot write it: ${(error as Error).message}`, ExitCode.usage, { cause: error });
  }
}
