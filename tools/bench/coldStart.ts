import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

/** Swaps lib/http/httpClient.ts for the fetch-based twin in tools/bench/fetchHttpClient.ts. */
const useFetch: Plugin = {
  name: 'use-fetch',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\/httpClient$/ }, () => ({ path: join(ROOT, 'tools', 'bench', 'fetchHttpClient.ts') }));
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
  process.stdout.write('\\n' + JSON.stringify({ first: Number(done - t) / 1e6, total: Number(done - started) / 1e6, load: Number(loaded - started) / 1e6 }));
  process.exit(0);
}, Number(process.argv[2]));
`;

function firstInvocation(file: string, env: Record<string, string>, gapMs: number): Promise<{ first: number; total: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', FIRST_INVOCATION, file, String(gapMs)], { env: { ...process.env, ...env, LOG_LEVEL: 'error' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    // The result is the last line; the handler's EMF metrics line comes before it.
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as { first: number; total: number }) : reject(new Error(`first invocation exited ${code}`))));
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

/**
 * A CPU-limited cgroup for the first invocation: Lambda's invoke phase runs at the memory
 * size's share of a vCPU (256 MB ≈ 14,500 µs per 100,000 µs), while on-demand init gets more.
 * cgroup v2 (cpu.max) or v1 (cpu.cfs_quota_us); needs root and the CPU controller. When the
 * machine does not allow it, says why and the bench skips those rows.
 */
export interface CpuLimit {
  /** The file a process writes its pid to, to move itself into the group. */
  procsFile: string;
  description: string;
  cleanup(): void;
}

export const LAMBDA_256MB_CPU = { quotaUs: 14_500, periodUs: 100_000 };

export function cpuLimitedCgroup(limit = LAMBDA_256MB_CPU): CpuLimit | { unavailable: string } {
  const attempts: Array<{ root: string; kind: string; apply(dir: string): void }> = [
    {
      root: '/sys/fs/cgroup',
      kind: 'cgroup v2',
      apply: (dir) => writeFileSync(join(dir, 'cpu.max'), `${limit.quotaUs} ${limit.periodUs}`),
    },
    {
      root: '/sys/fs/cgroup/cpu',
      kind: 'cgroup v1',
      apply: (dir) => {
        writeFileSync(join(dir, 'cpu.cfs_period_us'), String(limit.periodUs));
        writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(limit.quotaUs));
      },
    },
  ];
  const reasons: string[] = [];
  for (const { root, kind, apply } of attempts) {
    const v2 = kind === 'cgroup v2';
    if (v2 ? !existsSync(join(root, 'cgroup.controllers')) : !existsSync(join(root, 'cpu.cfs_quota_us'))) {
      reasons.push(`${kind}: no CPU controller at ${root}`);
      continue;
    }
    const dir = join(root, `bridge-bench-${process.pid}`);
    try {
      if (v2 && !readFileSync(join(root, 'cgroup.subtree_control'), 'utf8').includes('cpu')) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
      mkdirSync(dir);
      apply(dir);
      // A process must be able to move itself in (root, or delegation of the group).
      execFileSync(process.execPath, ['-e', `require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'cgroup.procs'))}, String(process.pid))`], { stdio: 'pipe' });
      return {
        procsFile: join(dir, 'cgroup.procs'),
        description: `${kind}, ${limit.quotaUs.toLocaleString('en-US')} µs per ${limit.periodUs.toLocaleString('en-US')} µs`,
        cleanup: () => rmdirQuietly(dir),
      };
    } catch (error) {
      rmdirQuietly(dir);
      reasons.push(`${kind}: ${(error as Error).message}`);
    }
  }
  return { unavailable: reasons.join('; ') };
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Already gone, or never made.
  }
}

/**
 * Loads the bundle in a fresh process as Lambda's init does, then moves the process into
 * `procsFile`'s cgroup (if any) and times the first invocation. Init ends when the runtime
 * asks for the first event: after the module has loaded and the microtasks it queued ran
 * (the timer below fires then); work still waiting on I/O continues into the invocation.
 */
const COLD_PATH = `
const started = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const loaded = process.hrtime.bigint();
setTimeout(async () => {
  const initEnd = process.hrtime.bigint();
  if (process.argv[2]) require('node:fs').writeFileSync(process.argv[2], String(process.pid));
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  await handler({ phoneNumber: '+15551234567' }, { getRemainingTimeInMillis: () => 10000, awsRequestId: 'bench' });
  const done = process.hrtime.bigint();
  const { user, system } = process.cpuUsage(cpu);
  process.stdout.write('\\n' + JSON.stringify({ load: Number(loaded - started) / 1e6, init: Number(initEnd - started) / 1e6, first: Number(done - t) / 1e6, firstCpu: (user + system) / 1e3, total: Number(done - started) / 1e6 }));
  process.exit(0);
}, 0);
`;

interface ColdPathRun {
  load: number;
  init: number;
  first: number;
  /** CPU time the process used during the first invocation (all threads: GC, libuv). */
  firstCpu: number;
  total: number;
}

function coldPathRun(file: string, env: Record<string, string>, procsFile: string): Promise<ColdPathRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', COLD_PATH, file, procsFile], { env: { ...process.env, ...env, LOG_LEVEL: 'error' } });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    // The result is the last line; the handler's EMF metrics line comes before it.
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ColdPathRun) : reject(new Error(`cold path run exited ${code}`))));
  });
}

export interface ColdPathRow {
  warmUp: string;
  cpu: string;
  load: Summary;
  /** Module load plus what init did before the runtime asked for the event. */
  init: Summary;
  /** The first invocation's duration; the stand-ins add no latency, so all of it is the bridge's own work. */
  first: Summary;
  firstCpu: Summary;
  total: Summary;
}

export interface ColdPathVariant {
  warmUp: string;
  env: Record<string, string>;
}

/**
 * The cold path split in three (module load, the first invocation's own work, the total) for
 * each INIT warm-up variant, on a full core and, where `limit` is given, with the first
 * invocation at Lambda's 256 MB CPU share. Variants run interleaved so drift hits all alike.
 */
export async function measureColdPath(file: string, runs: number, variants: readonly ColdPathVariant[], limit?: CpuLimit): Promise<ColdPathRow[]> {
  const sandbox: Sandbox = await startSandbox();
  try {
    const cpus = [{ cpu: 'full core', procsFile: '' }, ...(limit ? [{ cpu: '256 MB share', procsFile: limit.procsFile }] : [])];
    const samples = new Map<string, ColdPathRun[]>();
    for (let i = 0; i < runs; i++) {
      for (const { cpu, procsFile } of cpus) {
        for (const variant of variants) {
          const run = await coldPathRun(file, { ...sandbox.env, AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', ...variant.env }, procsFile);
          const key = `${variant.warmUp}|${cpu}`;
          samples.set(key, [...(samples.get(key) ?? []), run]);
        }
      }
    }
    return cpus.flatMap(({ cpu }) =>
      variants.map(({ warmUp }) => {
        const runsOf = samples.get(`${warmUp}|${cpu}`)!;
        const of = (field: keyof ColdPathRun) => summarise(runsOf.map((run) => run[field]));
        return { warmUp, cpu, load: of('load'), init: of('init'), first: of('first'), firstCpu: of('firstCpu'), total: of('total') };
      }),
    );
  } finally {
    await sandbox.close();
  }
}
