import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { DOC_FILES, REPO_ROOT, headingAnchors, inlineCode, linkTargets, readDoc } from '../support/docs';

/**
 * The documentation holds to the repository: its links land on files and headings that exist,
 * the paths it names exist, the design sections code comments cite exist, and the README stays
 * a front door. Each failure lists every offender as `file:line: what`.
 */

/** Top-level folders whose paths the docs name; a path starting elsewhere (`build/docs/…`, `dist/…`) is another repository's, cited as a source. */
const REPO_FOLDERS = ['lib', 'tools', 'tests', 'handlers', 'events', 'deploy', 'scripts', 'bench', 'docs', '.ci', 'contracts'];

/** File names the docs may name without a folder, when some file of the repository has that name. */
const FILE_NAME = /^[\w.-]+\.(ts|js|mjs|json|yml|md)$/;

/**
 * Names the docs use for what the reader makes, never files of the repository: `orderStatus`,
 * the example action `npm run new-action` scaffolds; `contracts/prod/`, written by
 * `npm run contracts -- --stack-outputs` from a deployed stack; `outputs.json` and
 * `secret.json`, files the reader saves.
 */
const READER_MADE = [/orderStatus/, /^contracts\/prod\//, /^outputs\.json$/, /^secret\.json$/];

/** README.md stays a front door; the rest lives in docs/. */
const README_MAX_LINES = 250;

const SKIPPED_FOLDERS = new Set(['node_modules', '.git', '.serverless', 'coverage']);

function walk(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    if (SKIPPED_FOLDERS.has(entry.name)) return [];
    const path = folder ? `${folder}/${entry.name}` : entry.name;
    return entry.isDirectory() ? [`${path}/`, ...walk(path)] : [path];
  });
}

const REPO_PATHS = walk('');
const FILE_NAMES = new Set(REPO_PATHS.filter((path) => !path.endsWith('/')).map((path) => path.slice(path.lastIndexOf('/') + 1)));

/** `<action>`, `{name}` and `*` stand for one path segment or part of one; `…` and `...` for anything. */
function pathPattern(path: string): RegExp {
  const glob = path.replace(/<[^>]*>|\{[^}]*\}/g, '*').replace(/\.\.\.|…/g, '**');
  const source = glob
    .split(/(\*\*|\*)/)
    .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]*' : part.replace(/[.+?^$()[\]\\|]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** The words of a code span that name a repository path, as written (surrounding punctuation removed). */
function namedPaths(code: string): string[] {
  return code
    .split(/\s+/)
    .map((word) => word.replace(/^[('"]+|[)'",;:.]+$/g, '').replace(/^\.\//, ''))
    .filter((word) => (word.includes('/') && REPO_FOLDERS.includes(word.slice(0, word.indexOf('/')))) || FILE_NAME.test(word));
}

function pathExists(path: string): boolean {
  if (!path.includes('/')) return FILE_NAMES.has(path);
  const pattern = pathPattern(path);
  return REPO_PATHS.some((candidate) => pattern.test(candidate) || pattern.test(candidate.replace(/\/$/, '')));
}

/** Source files whose comments may cite the design. */
function sourceFiles(): string[] {
  return REPO_PATHS.filter((path) => /^(lib|tools|scripts|handlers|tests|deploy)\//.test(path) && /\.(ts|js|mjs)$/.test(path));
}

describe('documentation', () => {
  it('has every relative link land on an existing file, and on an existing heading when it names one', () => {
    const broken = DOC_FILES.flatMap((file) =>
      linkTargets(readDoc(file))
        .filter(({ target }) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
        .flatMap(({ line, target }) => {
          const [path, anchor] = target.split('#') as [string, string | undefined];
          const linked = path ? normalize(relative(REPO_ROOT, join(REPO_ROOT, dirname(file), decodeURIComponent(path)))) : file;
          if (!existsSync(join(REPO_ROOT, linked))) return [`${file}:${line}: ${target} (no ${linked})`];
          if (anchor === undefined) return [];
          if (statSync(join(REPO_ROOT, linked)).isDirectory() || !linked.endsWith('.md')) return [`${file}:${line}: ${target} (an anchor into a file that is not markdown)`];
          return headingAnchors(readFileSync(join(REPO_ROOT, linked), 'utf8')).has(anchor) ? [] : [`${file}:${line}: ${target} (no heading #${anchor} in ${linked})`];
        }),
    );

    expect(broken).toStrictEqual([]);
  });

  it('names in backticks only repository paths that exist (placeholders and globs allowed)', () => {
    const missing = DOC_FILES.flatMap((file) =>
      inlineCode(readDoc(file)).flatMap(({ line, code }) =>
        namedPaths(code)
          .filter((path) => !READER_MADE.some((made) => made.test(path)) && !pathExists(path))
          .map((path) => `${file}:${line}: ${path}`),
      ),
    );

    expect(missing).toStrictEqual([]);
  });

  it('has a docs/design.md section for every "docs/design.md §n" a code comment cites', () => {
    const design = readDoc('docs/design.md');
    const sections = new Set([...design.matchAll(/^## §(\d+) /gm)].map((match) => match[1]));
    const unknown = sourceFiles().flatMap((path) =>
      readFileSync(join(REPO_ROOT, path), 'utf8')
        .split('\n')
        .flatMap((text, index) =>
          [...text.matchAll(/docs\/design\.md\s+(§\d+(?:\s*(?:,|and|-|–|to)\s*§\d+)*)/g)].flatMap((citation) =>
            [...(citation[1] ?? '').matchAll(/§(\d+)/g)].filter(([, n]) => !sections.has(n ?? '')).map(([section]) => `${path}:${index + 1}: ${section}`),
          ),
        ),
    );

    expect(sections).toStrictEqual(new Set(Array.from({ length: 12 }, (_, i) => String(i + 1))));
    expect(unknown).toStrictEqual([]);
  });

  it(`keeps README.md a front door of at most ${README_MAX_LINES} lines`, () => {
    const lines = readDoc('README.md').split('\n').length;

    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('opens the README with the two set-up commands', () => {
    const opening = readDoc('README.md').split('\n').slice(0, 6).join('\n');

    expect(opening).toBe(
      [
        '# Data action bridge',
        '',
        '```sh',
        'npm ci && npm start   # run the real handlers on the sample events against a local sandbox',
        'npm test              # type-check and run every test',
        '```',
      ].join('\n'),
    );
  });
});
