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

export async function packageService(): Promise<PackagedService> {
  const work = await mkdtemp(join(tmpdir(), 'bridge-package-'));
  const service = join(work, 'service');
  const out = join(work, 'out');
  for (const entry of await readdir(PROJECT)) {
    if (!NOT_COPIED.has(entry)) await cp(join(PROJECT, entry), join(service, entry), { recursive: true });
  }
  await symlink(join(PROJECT, 'node_modules'), join(service, 'node_modules'), 'dir');
  await run('npx', ['--no', 'serverless', 'package', '--package', out], {
    cwd: service,
    timeout: 50_000,
    maxBuffer: 16 * 1024 * 1024,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*', CI: '1' },
  });
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
