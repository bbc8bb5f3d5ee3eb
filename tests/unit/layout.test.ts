import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { ACTIONS } from '../../lib/actions';
import { PROJECT_ROOT } from '../../tools/codegen/actionFolders';

/**
 * The layout (docs/design.md §2) as the bundler sees it: lib/ holds exactly what a Lambda
 * bundle contains (plus each action's stand-in and tests), tools/ never reaches a bundle, and
 * the modules of lib/ and tools/ import each other without cycles. esbuild's metafile gives
 * the imports as they are bundled: type-only imports do not count, as they ship nothing.
 */

/** Every file under `dir` (a path from the project root), as paths from the project root. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(PROJECT_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(PROJECT_ROOT.length + 1).split('\\').join('/'));
}

const isSource = (path: string) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.endsWith('.test.ts');

/** What loopback tooling keeps in the action folders: each stand-in and their generated registry. */
const isStandIn = (path: string) => /^lib\/actions\/[^/]+\/standIn\.ts$/.test(path) || path === 'lib/actions/standIns.ts';

/** The project's own modules the entry points reach (dependencies stay external: they are not ours to lay out). */
async function metafileOf(entryPoints: string[]): Promise<Metafile> {
  const { metafile } = await build({
    absWorkingDir: PROJECT_ROOT,
    entryPoints,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    outdir: 'out',
    logLevel: 'silent',
  });
  return metafile;
}

/** Which files import `path`, for a message that says where to look. */
function importersOf(metafile: Metafile, path: string): string[] {
  return Object.entries(metafile.inputs)
    .filter(([, input]) => input.imports.some((imported) => imported.path === path))
    .map(([importer]) => importer);
}

/** The cycle each back edge of a depth-first search closes, as `a → b → a`. */
function cyclesIn(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('layout: lib/ is what ships, tools/ never does', () => {
  let shipped: Metafile;
  beforeAll(async () => {
    shipped = await metafileOf(filesUnder('handlers').filter(isSource));
  });

  it('no file reachable from handlers/ is outside lib/ (no import from shipped code into tools/, tests/ or scripts/)', () => {
    const outside = Object.keys(shipped.inputs).filter((path) => !path.startsWith('lib/') && !path.startsWith('handlers/'));

    expect(outside.map((path) => `${path} (imported by ${importersOf(shipped, path).join(', ')})`)).toStrictEqual([]);
  });

  it('every module in lib/ is in some handler bundle, but the action folders\' stand-ins and tests', () => {
    const bundled = new Set(Object.keys(shipped.inputs));
    const unshipped = filesUnder('lib').filter((path) => isSource(path) && !isStandIn(path) && !bundled.has(path));

    expect(unshipped).toStrictEqual([]);
  });
});

describe('layout: imports among lib/ and tools/', () => {
  let metafile: Metafile;
  beforeAll(async () => {
    metafile = await metafileOf([...filesUnder('lib'), ...filesUnder('tools')].filter(isSource));
  });

  const ours = (path: string) => path.startsWith('lib/') || path.startsWith('tools/');

  it('have no cycle', () => {
    const graph = new Map(
      Object.entries(metafile.inputs)
        .filter(([path]) => ours(path))
        .map(([path, input]) => [path, input.imports.map((imported) => imported.path).filter(ours)] as const),
    );

    expect(cyclesIn(graph)).toStrictEqual([]);
  });

  it('the stand-in kit (tools/standIns) sits below the actions and the sandbox: it imports neither', () => {
    const upward = Object.entries(metafile.inputs)
      .filter(([path]) => path.startsWith('tools/standIns/'))
      .flatMap(([path, input]) => input.imports.filter((imported) => /^(lib\/actions|tools\/sandbox)\//.test(imported.path)).map((imported) => `${path} → ${imported.path}`));

    expect(upward).toStrictEqual([]);
  });

  it('tools/sandbox and tools/standIns name no action: they serve whatever the action registry holds', () => {
    const naming = [...filesUnder('tools/sandbox'), ...filesUnder('tools/standIns')].flatMap((path) => {
      const text = readFileSync(join(PROJECT_ROOT, path), 'utf8');
      return ACTIONS.filter(({ name }) => new RegExp(`\\b${name}\\b`).test(text)).map(({ name }) => `${path} names ${name}`);
    });

    expect(naming).toStrictEqual([]);
  });
});
