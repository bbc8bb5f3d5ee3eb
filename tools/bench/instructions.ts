import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { median } from './stats';

/**
 * The warm path counted in CPU instructions instead of timed: a program that warms the bridge
 * (or the undici floor) and then makes N more calls runs under valgrind's callgrind, and the
 * count of a run with N calls less the count of a run with none, divided by N, is what one
 * warm call costs. Instruction counts do not move with the machine's load, which on shared
 * machines moves timings by more than the regressions worth finding (bench/results/
 * across-days.md), so two trees (commits) can be compared in separate runs.
 *
 * Repeatable because V8 runs on one thread (`--single-threaded`: no concurrent compiler or GC
 * thread racing the program) with fixed hash and random seeds and a GC schedule that does not
 * depend on time (`--predictable-gc-schedule`, and a full GC forced where the counted calls
 * start and end). Runs of the same program then differ by a few hundred to a few thousand
 * instructions per call (0.2 % at most, seen on 2026-12-05; without the forced GCs, 5 %: a
 * major GC of 150 M instructions fell inside one run and not another); each count is the
 * median of `repeat` runs, and their spread is reported.
 */

const execFileAsync = promisify(execFile);

/** Calls before the counted ones: as the bench's warm window, which starts after 300. */
export const WARM_UP_CALLS = 300;

export type Path = 'bridge' | 'floor';

/**
 * Where a tree keeps the modules the program needs. The layout since issue 19 first; the one
 * before it (lib/logger.ts, lib/sandbox/) so that commits before the move can be compared.
 */
const LAYOUTS = [
  { logger: 'lib/base/logger.ts', sandbox: 'tools/sandbox' },
  { logger: 'lib/logger.ts', sandbox: 'lib/sandbox' },
];

function layoutOf(tree: string): (typeof LAYOUTS)[number] {
  const layout = LAYOUTS.find((candidate) => existsSync(join(tree, candidate.logger)));
  if (!layout) throw new Error(`${tree}: no known layout (looked for ${LAYOUTS.map((l) => l.logger).join(', ')})`);
  return layout;
}

/**
 * The program, as the bench's measureWarmOverhead does its work (tools/bench/warm.ts): the
 * sandbox on loopback, customerLookup invoked directly, every log and EMF line formatted and
 * dropped; the floor is undici's request on a keep-alive pool with the token the bridge got.
 */
function programSource(tree: string): string {
  const { logger, sandbox } = layoutOf(tree);
  const from = (path: string) => JSON.stringify(join(tree, path));
  return `
import { Agent, request } from 'undici';
import { redirectLogs } from ${from(logger)};
import { captureEmfWrites } from ${from(`${sandbox}/metricsSummary.ts`)};
import { startSandbox } from ${from(`${sandbox}/sandbox.ts`)};
import { createLambdaContext } from ${from(`${sandbox}/lambdaContext.ts`)};
import { createDirectHandler } from ${from('lib/front/directInvoke.ts')};
import { customerLookup } from ${from('lib/actions/customerLookup/action.ts')};

async function main(path: string, calls: number): Promise<void> {
  redirectLogs(() => undefined);
  captureEmfWrites(() => undefined);
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const sandbox = await startSandbox();
  const event = { phoneNumber: '+15551234567' };
  const bridge = createDirectHandler(customerLookup, sandbox.env);
  const context = createLambdaContext('customerLookup', 600_000);
  const first = await bridge(event, context);
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const authorization = sandbox.customerApi.authorizations.at(-1)!;
  const url = sandbox.customerApi.url + '/customers?phone=' + encodeURIComponent(event.phoneNumber);
  const floor = async () => (await request(url, { dispatcher: agent, headers: { authorization, accept: 'application/json' } })).body.json();
  const call = path === 'bridge' ? () => bridge(event, context) : floor;
  // A full GC where the counted calls start and where they end, in every run: a major GC otherwise
  // falls inside one run and not another (V8 paces incremental marking by time), 150 M instructions either way.
  const collect = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < ${WARM_UP_CALLS}; i++) await call();
  collect();
  for (let i = 0; i < calls; i++) await call();
  collect();
  const last = await call();
  // The sample customer, in the bridge's flat answer and in the upstream's own shape.
  const answers = JSON.stringify([first, last]);
  if (answers.split('c-1001').length !== 3) throw new Error('unexpected answers: ' + answers);
  await agent.close();
  await sandbox.close();
  process.stdout.write(JSON.stringify(last));
}

main(process.argv[2]!, Number(process.argv[3])).then(() => process.exit(0), (error) => { console.error(error); process.exit(1); });
`;
}

/** Builds the program against `tree` as the functions are packaged (minified CommonJS, everything bundled). */
export async function buildWarmProgram(tree: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents: programSource(tree), loader: 'ts', resolveDir: tree, sourcefile: 'warm-program.ts' },
    outfile,
    bundle: true,
    minify: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    logLevel: 'error',
  });
}

/** One V8 thread, fixed seeds, a time-independent GC schedule, and `gc()` for the program's forced collections (see the top of this file). */
const DETERMINISTIC_V8 = ['--single-threaded', '--hash-seed=1', '--random-seed=1', '--expose-gc', '--predictable-gc-schedule'];

export interface RunOptions {
  node: string;
  /** Under callgrind, or natively (tests check that the program still runs against this tree). */
  count: boolean;
}

export interface WarmRun {
  /** The last call's answer: the bridge's data action response, or the upstream's body for the floor. */
  answer: unknown;
  /** With `count`: the instructions callgrind counted in the whole process. */
  instructions?: number;
}

export async function runWarmProgram(program: string, path: Path, calls: number, options: RunOptions): Promise<WarmRun> {
  const node = [options.node, ...DETERMINISTIC_V8, program, path, String(calls)];
  const command = options.count ? ['valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null', ...node] : node;
  const { stdout, stderr } = await execFileAsync(command[0]!, command.slice(1), { maxBuffer: 16 * 2 ** 20 });
  const answer: unknown = JSON.parse(stdout);
  if (!options.count) return { answer };
  // callgrind's summary on stderr: "==<pid>== Collected : <instructions>"
  const collected = /Collected : (\d+)/.exec(stderr);
  if (!collected) throw new Error(`callgrind printed no count:\n${stderr.slice(-2000)}`);
  return { answer, instructions: Number(collected[1]) };
}

export async function valgrindVersion(): Promise<string | undefined> {
  try {
    return (await execFileAsync('valgrind', ['--version'])).stdout.trim();
  } catch {
    return undefined;
  }
}

export interface WarmInstructions {
  tree: string;
  /** Instructions per warm call, the whole process's (the stand-ins' share included), from the median of the repeated counts. */
  bridge: number;
  floor: number;
  /** The bridge's own: bridge − floor. */
  own: number;
  /** How far apart the repeated counts of one program were, per counted call: what a difference must exceed to mean something. */
  spread: number;
}

/** Up to two callgrind runs at a time: one per core of the machines this runs on. */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += 2) results.push(...(await Promise.all(jobs.slice(i, i + 2).map((job) => job()))));
  return results;
}

/** Instructions per warm call of each tree: bridge and floor, each counted with none and with `calls` counted calls, `repeat` times. */
export async function measureWarmInstructions(trees: string[], options: { calls: number; repeat: number; node: string }): Promise<WarmInstructions[]> {
  const { calls, repeat, node } = options;
  const dir = mkdtempSync(join(tmpdir(), 'bridge-instructions-'));
  try {
    const programs = await Promise.all(trees.map(async (tree, i) => {
      const file = join(dir, `warm-${i}.js`);
      await buildWarmProgram(tree, file);
      return file;
    }));
    const measurements = programs.flatMap((program) => (['bridge', 'floor'] as const).flatMap((path) => [0, calls].map((n) => ({ program, path, n }))));
    // A run that fails is run once more: once in many runs, a loopback connection was reset under valgrind's slowness.
    const count = (program: string, path: Path, n: number) => runWarmProgram(program, path, n, { node, count: true });
    const jobs = measurements.flatMap(({ program, path, n }) =>
      Array.from({ length: repeat }, () => async () => (await count(program, path, n).catch(() => count(program, path, n))).instructions!),
    );
    const counts = await inPairs(jobs);
    const countsOf = (measurement: number) => counts.slice(measurement * repeat, (measurement + 1) * repeat);
    return trees.map((tree, i) => {
      const [bridge0, bridgeN, floor0, floorN] = [0, 1, 2, 3].map((k) => countsOf(i * 4 + k));
      const perCall = (none: number[], some: number[]) => (median(some!) - median(none!)) / calls;
      const spread = Math.max(...[bridge0, bridgeN, floor0, floorN].map((runs) => Math.max(...runs!) - Math.min(...runs!))) / calls;
      const bridge = perCall(bridge0!, bridgeN!);
      const floor = perCall(floor0!, floorN!);
      return { tree, bridge, floor, own: bridge - floor, spread };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
