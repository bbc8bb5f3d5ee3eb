import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { startSandbox, type Sandbox } from '../sandbox/sandbox';
import { summarise, type Summary } from './stats';

/**
 * Cold start, on the bundle as `serverless package` builds it (esbuild, minified CommonJS,
 * everything bundled) and on variants that differ in one choice: global fetch instead of
 * undici, and the largest dependency left external. Module load is timed in fresh `node`
 * processes, as Lambda's init phase loads the handler.
 */

const ROOT = join(__dirname, '..', '..');
const HANDLER = join(ROOT, 'handlers', 'customerLookup.ts');

export interface BundleVariant {
  name: string;
  bytes: number;
  /** Deflate at level 9: what a zip of the file weighs. */
  zippedBytes: number;
  init: Summary;
}

/** Swaps lib/httpClient.ts for the fetch-based twin in lib/bench/fetchHttpClient.ts. */
const useFetch: Plugin = {
  name: 'use-fetch',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/httpClient$/ }, () => ({ path: join(ROOT, 'lib', 'bench', 'fetchHttpClient.ts') }));
  },
};

/** The AWS SDK (its @aws-sdk and @smithy packages) is the largest dependency of the bundle. */
const LARGEST_DEPENDENCY = ['@aws-sdk/*', '@smithy/*'];

async function bundle(outfile: string, options: { plugins?: Plugin[]; external?: string[] }): Promise<void> {
  await build({
    entryPoints: [HANDLER],
    outfile,
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
    plugins: options.plugins ?? [],
    external: options.external ?? [],
  });
}

/** Valid settings, so that module initialisation builds the whole container without a network request. */
export const INIT_ENV = {
  SECRET_ID: 'bench',
  TOKEN_URL: 'https://auth.example.com/oauth/token',
  UPSTREAM_BASE_URL: 'https://api.example.com',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  // For the variant that leaves the SDK external, as Lambda's runtime provides it.
  NODE_PATH: join(ROOT, 'node_modules'),
};

const LOAD_AND_TIME = `const t=process.hrtime.bigint();require(process.argv[1]);process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;

function timeModuleLoad(file: string, runs: number): Summary {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['-e', LOAD_AND_TIME, file], { env: { ...process.env, ...INIT_ENV, LOG_LEVEL: 'error' } });
    samples.push(Number(out.toString()));
  }
  return summarise(samples);
}

function variant(name: string, file: string, runs: number): BundleVariant {
  const content = readFileSync(file);
  return { name, bytes: statSync(file).size, zippedBytes: deflateRawSync(content, { level: 9 }).length, init: timeModuleLoad(file, runs) };
}

export interface ColdStart {
  variants: BundleVariant[];
  packagedFile: string;
  cleanup(): void;
}

export async function measureColdStart(runs: number): Promise<ColdStart> {
  const dir = mkdtempSync(join(tmpdir(), 'bridge-bench-'));
  const files = { packaged: join(dir, 'packaged.js'), fetch: join(dir, 'fetch.js'), external: join(dir, 'external-sdk.js') };
  await bundle(files.packaged, {});
  await bundle(files.fetch, { plugins: [useFetch] });
  await bundle(files.external, { external: LARGEST_DEPENDENCY });
  return {
    variants: [
      variant('as packaged (undici agent, everything bundled)', files.packaged, runs),
      variant('global fetch instead of undici', files.fetch, runs),
      variant('AWS SDK left external (the runtime provides it)', files.external, runs),
    ],
    packagedFile: files.packaged,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Loads the bundle in a fresh process, waits `gapMs` (Lambda handing over the first event), then times the first invocation. */
const FIRST_INVOCATION = `
const started = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const loaded = process.hrtime.bigint();
setTimeout(async () => {
  const t = process.hrtime.bigint();
  await handler({ phoneNumber: '+15551234567' }, { getRemainingTimeInMillis: () => 10000, awsRequestId: 'bench' });
  const done = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ first: Number(done - t) / 1e6, total: Number(done - started) / 1e6, load: Number(loaded - started) / 1e6 }));
  process.exit(0);
}, Number(process.argv[2]));
`;

function firstInvocation(file: string, env: Record<string, string>, gapMs: number): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', FIRST_INVOCATION, file, String(gapMs)], { env: { ...process.env, ...env, LOG_LEVEL: 'error' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { first: number; total: number }) : reject(new Error(`first invocation exited ${code}`))));
  });
}

export interface PrefetchComparison {
  gapMs: number;
  without: { first: Summary; total: Summary };
  with: { first: Summary; total: Summary };
}

/**
 * The first invocation's latency with and without starting the secret and token requests at
 * module initialisation, against stand-ins with realistic latency. `gapMs` is the time
 * between the end of module loading and the first event.
 */
export async function measurePrefetch(file: string, runs: number, gapsMs: readonly number[], latency: { secretMs: number; tokenMs: number }): Promise<PrefetchComparison[]> {
  const sandbox: Sandbox = await startSandbox({ secretLatencyMs: latency.secretMs, tokenLatencyMs: latency.tokenMs });
  try {
    const results: PrefetchComparison[] = [];
    for (const gapMs of gapsMs) {
      const samples = { without: { first: [] as number[], total: [] as number[] }, with: { first: [] as number[], total: [] as number[] } };
      for (let i = 0; i < runs; i++) {
        for (const mode of ['without', 'with'] as const) {
          const env = { ...sandbox.env, PREFETCH_ON_INIT: mode === 'with' ? 'true' : 'false' };
          const run = await firstInvocation(file, env, gapMs);
          samples[mode].first.push(run.first);
          samples[mode].total.push(run.total);
        }
      }
      results.push({
        gapMs,
        without: { first: summarise(samples.without.first), total: summarise(samples.without.total) },
        with: { first: summarise(samples.with.first), total: summarise(samples.with.total) },
      });
    }
    return results;
  } finally {
    await sandbox.close();
  }
}
