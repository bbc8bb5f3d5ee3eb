/**
 * `npm start`: the local sandbox. Starts loopback stand-ins for Secrets Manager, the token
 * endpoint and the upstream API, runs the real handlers on every file in events/ and
 * prints the data action responses. `npm start -- --serve` keeps the stand-ins running and
 * prints the environment for `serverless invoke local`.
 */
import { join } from 'node:path';
import type { DirectHandler } from '../lib/front/directInvoke';
import { redirectLogs } from '../lib/logger';
import { runSampleEvents } from '../lib/sandbox/runEvents';
import { startSandbox } from '../lib/sandbox/sandbox';

const root = join(__dirname, '..');

async function loadHandler(functionName: string): Promise<DirectHandler> {
  const module = (await import(join(root, 'handlers', `${functionName}.ts`))) as { handler: DirectHandler };
  return module.handler;
}

/** The function's settings are serverless.yml params; the AWS SDK's own variables come from the shell. */
const PARAM_OF_VARIABLE: Record<string, string> = {
  SECRET_ID: 'secretId',
  AUTH_PLATFORM: 'authPlatform',
  TOKEN_URL: 'tokenUrl',
  UPSTREAM_BASE_URL: 'upstreamBaseUrl',
};

function invokeLocalInstructions(env: Record<string, string>): string {
  const exports: string[] = [];
  const params: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    const param = PARAM_OF_VARIABLE[name];
    if (param) params.push(`--param ${param}=${value}`);
    else exports.push(`export ${name}=${value}`);
  }
  return `${exports.join('\n')}\nnpx serverless invoke local -f customerLookup -p events/customerLookup.json \\\n  ${params.join(' ')}`;
}

async function serve(): Promise<void> {
  const sandbox = await startSandbox();
  console.log('Sandbox stand-ins are running on loopback. In another shell, from the project folder:\n');
  console.log(invokeLocalInstructions(sandbox.env));
  console.log('\nCtrl-C stops the sandbox.');
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function runOnce(): Promise<void> {
  const sandbox = await startSandbox();
  Object.assign(process.env, sandbox.env);
  const logLines: string[] = [];
  const restoreLogs = redirectLogs((line) => logLines.push(line));
  try {
    const results = await runSampleEvents(join(root, 'events'), loadHandler);
    restoreLogs();
    for (const result of results) {
      console.log(`\n▶ ${result.file} → ${result.functionName} ${result.ok ? 'response' : 'error'}:`);
      console.log(JSON.stringify(result.response, null, 2));
    }
    const warnings = logLines.map((line) => JSON.parse(line) as { level: string; message: string }).filter((line) => line.level === 'warn');
    for (const warning of warnings) console.log(`\n⚠ ${warning.message}`);
    const counts = sandbox.counts();
    const functions = new Set(results.map((result) => result.functionName)).size;
    console.log(
      `\n${results.length} events, ${functions} functions: ${results.filter((r) => r.ok).length} answered, ${results.filter((r) => !r.ok).length} errors. ` +
        `Secrets Manager requests: ${counts.secret}, discovery requests: ${counts.discovery}, token requests: ${counts.token}, ` +
        `upstream requests: ${counts.upstream} (one secret and one token per function: the rest came from warm caches).`,
    );
  } finally {
    restoreLogs();
    await sandbox.close();
  }
}

const main = process.argv.includes('--serve') ? serve : runOnce;
main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
