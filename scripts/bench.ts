/**
 * `npm run bench`: the bridge measured against the alternatives on loopback, in one process
 * tree, with ratios against baselines measured in the same run. Prints a table and writes
 * it, with the machine it ran on, to bench/results/. Logic lives in tools/bench/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { cpuLimitedCgroup, measureColdPath, measureColdStart, measurePrefetch } from '../tools/bench/coldStart';
import { ms, ratio, type Summary } from '../tools/bench/stats';
import { measureSustainedLoad } from '../tools/bench/sustained';
import { measureBaselines, measureMemory, measureThroughput, measureWarmOverhead } from '../tools/bench/warm';
import { redirectLogs } from '../lib/base/logger';
import { captureEmfWrites } from '../tools/sandbox/metricsSummary';

const SECRET_LATENCY_MS = 30;
const TOKEN_LATENCY_MS = 80;
const GOALS = { warmRatio: 1.5, bundleBytes: 700 * 1024, initMs: 60, firstOwnMs: 20 };

const lines: string[] = [];
const out = (line = '') => {
  lines.push(line);
  console.log(line);
};
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const verdict = (met: boolean, by: string) => (met ? 'met' : `missed by ${by}`);

async function main(): Promise<void> {
  // The bridge formats every log and metrics line as in production; only the write to stdout is skipped.
  redirectLogs(() => undefined);
  // Powertools writes each invocation's EMF line straight to stdout: the bench drops those writes, not their making.
  captureEmfWrites(() => undefined);
  // The AWS SDK takes credentials from the process environment; the stand-ins accept any.
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const started = Date.now();
  out(`# npm run bench — ${new Date().toISOString()}`);
  out(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`);

  const warm = await measureWarmOverhead(3_000);
  out('\n## Warm overhead (loopback upstream answering at once; 3,000 calls each, interleaved)');
  out('| path | p50 | p99 | p50 vs undici floor |');
  out('|---|---|---|---|');
  out(`| undici request, keep-alive pool (floor) | ${ms(warm.undici.p50)} | ${ms(warm.undici.p99)} | ${ratio(1)} |`);
  out(`| global fetch, pre-obtained token | ${ms(warm.fetch.p50)} | ${ms(warm.fetch.p99)} | ${ratio(warm.fetch.p50 / warm.undici.p50)} |`);
  out(`| the bridge (validation, cached token, transform, log line) | ${ms(warm.bridge.p50)} | ${ms(warm.bridge.p99)} | ${ratio(warm.bridge.p50 / warm.undici.p50)} |`);
  const warmRatio = warm.bridge.p50 / warm.undici.p50;
  const ownWorkUs = (bridge: Summary, floor: Summary) => ms((bridge.p50 - floor.p50) * 1000, 0).replace(' ms', ' µs');
  out(`goal: bridge p50 ≤ ${GOALS.warmRatio}× the floor — ${verdict(warmRatio <= GOALS.warmRatio, ratio(warmRatio - GOALS.warmRatio))}; the bridge's own work: ${ownWorkUs(warm.bridge, warm.undici)} per invocation at p50`);
  const { settled } = warm;
  out(`after ${settled.afterCalls.toLocaleString('en-US')} more invocations (the JIT settled): bridge ${ms(settled.bridge.p50)} against the floor's ${ms(settled.undici.p50)}, ${ratio(settled.bridge.p50 / settled.undici.p50)}; the bridge's own work: ${ownWorkUs(settled.bridge, settled.undici)} per invocation at p50`);

  const baselines = await measureBaselines(25, SECRET_LATENCY_MS, TOKEN_LATENCY_MS);
  out(`\n## Against what users would write (Secrets Manager stand-in +${SECRET_LATENCY_MS} ms, token endpoint +${TOKEN_LATENCY_MS} ms; 25 warm calls each)`);
  out('| implementation | p50 | p99 | bridge speed-up (p50) |');
  out('|---|---|---|---|');
  out(`| naive: secret and new token every call | ${ms(baselines.naive.p50, 1)} | ${ms(baselines.naive.p99, 1)} | ${ratio(baselines.naive.p50 / baselines.bridge.p50)} |`);
  out(`| extension-style: 5-min secret cache, token every call | ${ms(baselines.extensionStyle.p50, 1)} | ${ms(baselines.extensionStyle.p99, 1)} | ${ratio(baselines.extensionStyle.p50 / baselines.bridge.p50)} |`);
  out(`| the bridge | ${ms(baselines.bridge.p50, 2)} | ${ms(baselines.bridge.p99, 2)} | ${ratio(1)} |`);

  out('\n## Throughput (one process, cold container, 3,000 invocations)');
  out('| concurrency | invocations/s | secret requests | token requests |');
  out('|---|---|---|---|');
  for (const concurrency of [1, 10, 100]) {
    const result = await measureThroughput(concurrency, 3_000);
    out(`| ${concurrency} | ${result.invocationsPerSecond.toFixed(0)} | ${result.secretRequests} | ${result.tokenRequests} |`);
  }

  const cold = await measureColdStart(21);
  out('\n## Cold start (module load of the handler bundle in a fresh node process, median of 21)');
  out('| bundle | minified | zipped | load p50 | load p99 |');
  out('|---|---|---|---|---|');
  for (const variant of cold.variants) {
    out(`| ${variant.name} | ${kb(variant.bytes)} | ${kb(variant.zippedBytes)} | ${ms(variant.init.p50, 1)} | ${ms(variant.init.p99, 1)} |`);
  }
  const packaged = cold.variants[0]!;
  out(`goals: bundle ≤ ${kb(GOALS.bundleBytes)} — ${verdict(packaged.bytes <= GOALS.bundleBytes, kb(packaged.bytes - GOALS.bundleBytes))}; load ≤ ${GOALS.initMs} ms — ${verdict(packaged.init.p50 <= GOALS.initMs, ms(packaged.init.p50 - GOALS.initMs, 1))}`);

  // Lambda: on-demand init gets more CPU than the memory size implies; the invoke phase runs at its share.
  const limit = cpuLimitedCgroup();
  const coldPath = await measureColdPath(
    cold.packagedFile,
    11,
    [
      { warmUp: 'none (not in Lambda)', env: {} },
      { warmUp: 'init warm-up (AWS_LAMBDA_INITIALIZATION_TYPE=on-demand)', env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' } },
      { warmUp: 'init warm-up + PREFETCH_ON_INIT=true', env: { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand', PREFETCH_ON_INIT: 'true' } },
    ],
    'unavailable' in limit ? undefined : limit,
  ).finally(() => {
    if (!('unavailable' in limit)) limit.cleanup();
  });
  out('\n## Cold path (fresh process each, median of 11; stand-ins add no latency, so the first invocation is all the bridge\'s own work)');
  out(`256 MB's CPU share for the first invocation: ${'unavailable' in limit ? `not measured (${limit.unavailable}; needs root and a cgroup CPU controller)` : `${limit.description}, the process moved into it when init ends`}`);
  out('| init warm-up | CPU of the first invocation | module load | init (load + warm-up) | first invocation (own work) | its CPU time | total |');
  out('|---|---|---|---|---|---|---|');
  for (const row of coldPath) {
    out(`| ${row.warmUp} | ${row.cpu} | ${ms(row.load.p50, 1)} | ${ms(row.init.p50, 1)} | ${ms(row.first.p50, 1)} | ${ms(row.firstCpu.p50, 1)} | ${ms(row.total.p50, 1)} |`);
  }
  const lambdaFull = coldPath.find((row) => row.cpu === 'full core' && row.warmUp.startsWith('init warm-up ('))!;
  out(`goals (full core, init warm-up): module load ≤ ${GOALS.initMs} ms — ${verdict(lambdaFull.load.p50 <= GOALS.initMs, ms(lambdaFull.load.p50 - GOALS.initMs, 1))}; first invocation's own work ≤ ${GOALS.firstOwnMs} ms — ${verdict(lambdaFull.first.p50 <= GOALS.firstOwnMs, ms(lambdaFull.first.p50 - GOALS.firstOwnMs, 1))}`);

  const prefetch = await measurePrefetch(cold.packagedFile, 7, [0, 100], { secretMs: SECRET_LATENCY_MS, tokenMs: TOKEN_LATENCY_MS });
  cold.cleanup();
  out(`\n## Prefetch at init (secret +${SECRET_LATENCY_MS} ms, token +${TOKEN_LATENCY_MS} ms; fresh process each, median of 7)`);
  out('| gap before first event | first invocation without | with | load + first without | with |');
  out('|---|---|---|---|---|');
  for (const row of prefetch) {
    out(`| ${row.gapMs} ms | ${ms(row.without.first.p50, 1)} | ${ms(row.with.first.p50, 1)} | ${ms(row.without.total.p50, 1)} | ${ms(row.with.total.p50, 1)} |`);
  }

  const SUSTAINED = { perMinute: 1_200, durationMs: 70_000 };
  const sustained = await Promise.all([
    measureSustainedLoad('per-token budgets (default: 300 a minute, pool of 4)', {}, SUSTAINED.perMinute, SUSTAINED.durationMs),
    measureSustainedLoad('budgets off (TOKEN_RATE_LIMIT_PER_MINUTE=0: one token for everything)', { TOKEN_RATE_LIMIT_PER_MINUTE: '0' }, SUSTAINED.perMinute, SUSTAINED.durationMs),
  ]);
  out(`\n## Sustained load (${SUSTAINED.perMinute.toLocaleString('en-US')} invocations a minute for ${SUSTAINED.durationMs / 1000} s through one container; Genesys stand-in enforcing 300 requests a minute per token; real time)`);
  out('| run | invocations | answered | caller-visible 429s | upstream 429s | tokens fetched | other errors |');
  out('|---|---|---|---|---|---|---|');
  for (const run of sustained) {
    const others = Object.entries(run.otherErrors).map(([code, count]) => `${count} ${code}`).join(', ') || '0';
    out(`| ${run.label} | ${run.invocations} | ${run.answered} | ${run.callerVisible429s} | ${run.upstream429s} | ${run.tokensFetched} | ${others} |`);
  }
  const budgeted = sustained[0]!;
  out(`goals: caller-visible 429s 0 — ${verdict(budgeted.callerVisible429s === 0, String(budgeted.callerVisible429s))}; tokens fetched ≤ 5 — ${verdict(budgeted.tokensFetched <= 5, String(budgeted.tokensFetched - 5))}`);

  const memory = await measureMemory();
  out('\n## Memory (warm invocations, after a forced GC)');
  out('| after | RSS | heap used |');
  out('|---|---|---|');
  out(`| 100 invocations | ${memory.rssAfter100Mb.toFixed(1)} MB | ${memory.heapAfter100Mb.toFixed(1)} MB |`);
  out(`| 10,000 invocations | ${memory.rssAfter10kMb.toFixed(1)} MB | ${memory.heapAfter10kMb.toFixed(1)} MB |`);
  out(`heap growth: ${(memory.heapAfter10kMb - memory.heapAfter100Mb).toFixed(2)} MB over 9,900 invocations${(globalThis as { gc?: unknown }).gc ? '' : ' (no --expose-gc: numbers are noisy)'}`);

  out(`\nran in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const dir = join(__dirname, '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().slice(0, 10)}.md`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  console.log(`\nwritten to ${file}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
