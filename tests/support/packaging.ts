import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * `serverless package` of the project as it is, run on a copy in a temporary directory (with
 * node_modules linked, not copied) so the build's own folders (.serverless, .esbuild) never
 * touch the working tree others are editing. Nothing is deployed and no AWS call is made.
 */

const run = promisify(execFile);
const PROJECT = join(__dirname, '..', '..');
/** Not part of what `serverless package` reads, or produced by it. */
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', '.build', 'coverage', 'tests']);

export interface PackagedFunction {
  zip: string;
  zipBytes: number;
  /** Each file in the zip with its uncompressed text. */
  files: Array<{ name: string; bytes: number; text: string }>;
}

export interface PackagedService {
  functions: PackagedFunction[];
  /** cloudformation-template-update-stack.json, parsed, and its text. */
  template: Record<string, unknown>;
  templateText: string;
  /** Every other JSON file the package wrote (create-stack template, serverless-state.json). */
  otherTexts: Array<{ name: string; text: string }>;
  remove(): Promise<void>;
}

async function unzipped(zip: string): Promise<PackagedFunction['files']> {
  const { stdout: listing } = await run('unzip', ['-Z1', zip], { maxBuffer: 16 * 1024 * 1024 });
  const names = listing.split('\n').filter((name) => name && !name.endsWith('/'));
  return Promise.all(
    names.map(async (name) => {
      const { stdout } = await run('unzip', ['-p', zip, name], { maxBuffer: 64 * 1024 * 1024, encoding: 'buffer' });
      return { name, bytes: stdout.length, text: stdout.toString('utf8') };
    }),
  );
}

/**
 * `params` become `--param name=value`, as a deploy would pass them. `newAction`: the
 * arguments of an `npm run new-action` run in the copy first (it scaffolds and regenerates).
 */
/** How long one `serverless package` may take; a test packaging several at once allows for this plus some. */
export const PACKAGE_TIMEOUT_MS = 150_000;

export async function packageService(params: Record<string, string> = {}, newAction?: string[]): Promise<PackagedService> {
  const work = await mkdtemp(join(tmpdir(), 'bridge-package-'));
  const service = join(work, 'service');
  const out = join(work, 'out');
  for (const entry of await readdir(PROJECT)) {
    if (!NOT_COPIED.has(entry)) await cp(join(PROJECT, entry), join(service, entry), { recursive: true });
  }
  await symlink(join(PROJECT, 'node_modules'), join(service, 'node_modules'), 'dir');
  if (newAction) await run(process.execPath, ['--import', 'tsx', join(service, 'scripts', 'newAction.ts'), ...newAction], { cwd: service, timeout: 50_000, env: { ...process.env, npm_config_yes: 'true' } });
  const paramArgs = Object.entries(params).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
  try {
    await run('npx', ['--no', 'serverless', 'package', '--package', out, ...paramArgs], {
      cwd: service,
      // Seven functions are bundled (each action's and its production doctor, the HTTPS front); the template tests run four packagings at once on two cores.
      timeout: PACKAGE_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*', CI: '1' },
    });
  } catch (error) {
    // A refused package: its error (the message holds the command's output) is the result; the copy goes.
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  const produced = await readdir(out);
  const functions = await Promise.all(
    produced
      .filter((name) => name.endsWith('.zip'))
      .sort()
      .map(async (name) => {
        const zip = join(out, name);
        return { zip: name, zipBytes: (await stat(zip)).size, files: await unzipped(zip) };
      }),
  );
  const templateText = await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8');
  const otherTexts = await Promise.all(
    produced.filter((name) => name.endsWith('.json') && name !== 'cloudformation-template-update-stack.json').map(async (name) => ({ name, text: await readFile(join(out, name), 'utf8') })),
  );
  return {
    functions,
    template: JSON.parse(templateText) as Record<string, unknown>,
    templateText,
    otherTexts,
    remove: () => rm(work, { recursive: true, force: true }),
  };
}

type Condition = Record<string, unknown> | string | boolean;

/**
 * Evaluates a packaged template's Conditions (Fn::Equals, Fn::Not, Fn::And, Fn::Or,
 * Condition) — the parameters are already resolved to literals by `serverless package` —
 * so a test can tell which conditional resources a deploy with those parameters creates.
 */
export function evaluateConditions(template: Record<string, unknown>): Record<string, boolean> {
  const conditions = (template.Conditions ?? {}) as Record<string, Condition>;
  const results: Record<string, boolean> = {};
  const evaluate = (condition: Condition): boolean => {
    if (typeof condition === 'boolean') return condition;
    if (typeof condition === 'string') return evaluateNamed(condition);
    const [[fn, args]] = Object.entries(condition) as [[string, unknown]];
    const list = args as Condition[];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(list[0]) === JSON.stringify(list[1]);
      case 'Fn::Not':
        return !evaluate(list[0]!);
      case 'Fn::And':
        return list.every(evaluate);
      case 'Fn::Or':
        return list.some(evaluate);
      case 'Condition':
        return evaluateNamed(args as string);
      default:
        throw new Error(`unsupported condition function ${fn}`);
    }
  };
  const evaluateNamed = (name: string): boolean => (results[name] ??= evaluate(conditions[name]!));
  for (const name of Object.keys(conditions)) evaluateNamed(name);
  return results;
}

/** Resolves Fn::If by the evaluated conditions, everywhere in a value. */
export function resolveIfs(value: unknown, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveIfs(item, conditions));
  if (!value || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]![0] === 'Fn::If') {
    const [name, then, otherwise] = entries[0]![1] as [string, unknown, unknown];
    return resolveIfs(conditions[name] ? then : otherwise, conditions);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveIfs(item, conditions)]));
}
