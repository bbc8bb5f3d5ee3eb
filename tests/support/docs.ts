import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The project's documentation as the docs suites read it: README.md and docs/*.md, their
 * headings as GitHub anchors, their links and their inline code, with fenced code blocks left
 * out (commands there are examples, not references).
 */

/** The folder holding package.json, found from here so the suites do not depend on where lib/ keeps its helpers. */
export const REPO_ROOT = ((): string => {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json'))) folder = dirname(folder);
  return folder;
})();

/** README.md first, then every docs/*.md, as paths relative to the repository root. */
export const DOC_FILES = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

export function readDoc(file: string): string {
  return readFileSync(join(REPO_ROOT, file), 'utf8');
}

/** The text outside fenced code blocks, line by line (fence lines and their content become empty lines). */
export function proseLines(markdown: string): string[] {
  let inFence = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      return '';
    }
    return inFence ? '' : line;
  });
}

/**
 * GitHub's heading anchor (github-slugger): lower case, punctuation and symbols removed
 * (letters, marks, digits, `_`, `-` and spaces kept), each space a hyphen.
 */
export function githubSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor the file's headings make, with GitHub's `-1`, `-2` suffixes for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = githubSlug(heading[1] ?? '');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The prose as one string (fenced blocks blanked, line count kept) and the line number of an offset in it. */
function prose(markdown: string): { text: string; lineOf: (offset: number) => number } {
  const text = proseLines(markdown).join('\n');
  return { text, lineOf: (offset) => text.slice(0, offset).split('\n').length };
}

/** Inline code spans (a run of backticks to the same run, across line breaks as CommonMark allows), outside fenced blocks. */
const CODE_SPAN = /(`+)([\s\S]*?[^`])\1(?!`)/g;

/** Link targets of `[text](target)` outside code, each with its line number. */
export function linkTargets(markdown: string): { line: number; target: string }[] {
  const { text, lineOf } = prose(markdown);
  const withoutCode = text.replace(CODE_SPAN, (span) => span.replace(/[^\n]/g, ' '));
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => ({ line: lineOf(match.index), target: match[1] ?? '' }));
}

/** The content of every inline code span outside fenced blocks, each with the line it starts on. */
export function inlineCode(markdown: string): { line: number; code: string }[] {
  const { text, lineOf } = prose(markdown);
  return [...text.matchAll(CODE_SPAN)].map((match) => ({ line: lineOf(match.index), code: (match[2] ?? '').trim() }));
}
