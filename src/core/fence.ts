import { stripControls, truncateChars } from './text.js';

/**
 * Untrusted text as a fenced code block it cannot close: a backtick fence can only be closed by a
 * run of backticks at least as long, so the fence is one longer than the longest run inside
 * (tildes never close a backtick fence). Control characters are stripped on the way.
 */
export function fenceText(text: string, info = 'text'): string {
  const body = stripControls(text).replace(/\r/g, '');
  const fence = '`'.repeat(Math.max(3, longestRun(body, '`') + 1));
  return `${fence}${info}\n${body}${body.endsWith('\n') ? '' : '\n'}${fence}`;
}

/** One line for a table cell or a list item: no newlines, no `|`, at most `max` characters. */
export function flattenInline(text: string, max = 120): string {
  const flat = stripControls(text).replace(/\s+/g, ' ').replace(/\|/g, '¦').trim();
  return truncateChars(flat, max);
}

/** `flattenInline`, as a code span: Markdown inside it (links, images, emphasis) stays inert. */
export function quoteCode(text: string, max = 120): string {
  const flat = flattenInline(text, max);
  if (flat === '') return '';
  const ticks = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * Model-written prose as Markdown: kept as Markdown, but it cannot open a code fence that would
 * swallow the rest of the document, nor forge a heading, nor hide it in raw HTML (`<!--`, tags the
 * model copied from a log line), nor embed a remote image; control characters go, length is capped.
 */
export function sanitiseProse(text: string, max: number): string {
  const lines = truncateChars(stripControls(text).replace(/\r/g, '').trim(), max).split('\n');
  // `![…]` would make any viewer fetch a URL the model wrote (log text may have told it to): no images.
  return lines
    .map((line) =>
      inertLinks(line)
        .replace(/^(\s{0,3})(#|```|~~~|=+\s*$|-+\s*$|\[[^\]]*\]:)/, '$1\\$2')
        .replace(/</g, '\\<')
        .replace(/!\[/g, '!\\['),
    )
    .join('\n');
}

// An existing code span (left alone), a Markdown link or image, or a bare URL or `www.` address.
const LINKISH =
  /(`+)[^`]*?\1|!?\[([^\]\n]{0,500})\]\(\s*<?((?:[^\s()<>]|\([^\s()<>]{0,200}\)){0,2000})>?(?:\s+"[^"\n]{0,200}")?\s*\)|(?:\b[a-z][a-z0-9+.-]{1,20}:\/\/|\b(?:javascript|data|vbscript|mailto|file):|\bwww\.)[^\s<>`]{1,2000}/gi;

/**
 * Links the model wrote, as text that is not a link: `[docs](https://x)` shows `docs (`https://x`)`
 * and a bare URL is a code span, which no renderer makes clickable. A look-alike (`[github.com/acme]
 * (https://evil.example)`) shows where it really points; `javascript:` leads nowhere.
 */
function inertLinks(line: string): string {
  return line.replace(LINKISH, (match: string, ticks: string | undefined, text: string | undefined, target: string | undefined) => {
    if (ticks !== undefined) return match;
    if (text !== undefined) return target ? `${text} (${quoteCode(target, 300)})` : text;
    const url = match.replace(/[.,;:!?)\]'"]+$/, '');
    return `${quoteCode(url, 300)}${match.slice(url.length)}`;
  });
}

/** Claude's summary and first three actions as a push (ntfy, Discord) shows them: sanitised like the
 * incident file, since both channels render Markdown (headings, links, code). */
export function renderPushedAnswer(summary: string, actions: readonly string[]): string[] {
  const next = actions.slice(0, 3).map((action) => `- ${sanitiseProse(flattenInline(action, 300), 300)}`);
  return [sanitiseProse(summary, 1000), ...(next.length ? ['', '**Next:**', ...next] : [])];
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let current = 0;
  for (const c of text) {
    current = c === char ? current + 1 : 0;
    if (current > longest) longest = current;
  }
  return longest;
}
