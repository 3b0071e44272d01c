/**
 * A Markdown document split as CommonMark reads it: fenced code blocks (a fence closes only on a
 * line of the same character, at least as long, with nothing else on it) and the lines outside
 * them, which are what a reader sees as the document's structure.
 */
export function scanMarkdown(markdown: string): { blocks: { info: string; body: string }[]; outside: string[] } {
  const blocks: { info: string; body: string }[] = [];
  const outside: string[] = [];
  let open: { char: string; length: number; info: string; lines: string[] } | null = null;
  for (const line of markdown.split('\n')) {
    if (open) {
      const close = /^ {0,3}(`+|~+)\s*$/.exec(line);
      if (close?.[1] && close[1][0] === open.char && close[1].length >= open.length) {
        blocks.push({ info: open.info, body: open.lines.join('\n') });
        open = null;
      } else open.lines.push(line);
      continue;
    }
    const start = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (start?.[1] && !(start[1][0] === '`' && start[2]?.includes('`'))) {
      open = { char: start[1][0] ?? '`', length: start[1].length, info: (start[2] ?? '').trim(), lines: [] };
    } else outside.push(line);
  }
  if (open) blocks.push({ info: open.info, body: open.lines.join('\n') }); // never closed: runs to the end
  return { blocks, outside };
}
