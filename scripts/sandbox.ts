/**
 * `npm start`: the local sandbox. Starts loopback stand-ins for Secrets Manager, the token
 * endpoint and the upstream API, runs the real handlers on every action's sample events and
 * prints the data action responses. `npm start -- --serve` keeps the stand-ins running and
 * prints the environment for `serverless invoke local`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { actionEnv } from '../lib/runtime/action';
import { ACTIONS } from '../lib/actions';
import type { DirectHandler } from '../lib/front/directInvoke';
import { redirectLogs } from '../lib/base/logger';
import type { HttpHandler } from '../lib/front/httpFront';
import { serveHttpFront } from '../tools/sandbox/httpFrontServer';
import { invokeLocalCommands, type FunctionConfig } from '../tools/sandbox/invokeLocal';
import { captureEmfWrites, emfRecords, summariseMetrics } from '../tools/sandbox/metricsSummary';
import { postSampleEvents, runHttpEvents, runSampleEvents, unexpectedResults, type EventResult } from '../tools/sandbox/runEvents';
import { SANDBOX_HTTP_KEYS, startSandbox } from '../tools/sandbox/sandbox';
import { renderReport } from '../tools/doctor/cli';
import { doctorDeployed } from '../tools/doctor/deployedCli';
import { createProductionDoctorHandler } from '../lib/doctor/production/productionDoctor';
import { startLambdaStandIn } from '../tools/standIns/lambdaStandIn';
import { runCommand } from './command';

const root = join(__dirname, '..');

async function loadHandler<Handler = DirectHandler>(functionName: string): Promise<Handler> {
  const module = (await import(join(root, 'handlers', `${functionName}.ts`))) as { handler: Handler };
  return module.handler;
}

const API_KEY = SANDBOX_HTTP_KEYS.apiKeys[0]!;

function printResults(title: string, results: EventResult[]): void {
  console.log(`\n━━ ${title} ━━`);
  for (const result of results) {
    const outcome = result.status !== undefined ? `HTTP ${result.status}` : result.ok ? 'response' : 'error';
    console.log(`\n▶ ${result.file} → ${result.functionName} ${outcome}:`);
    console.log(JSON.stringify(result.response, null, 2));
  }
}

/** The deployed functions' configuration, as `npm run generate` wrote it for serverless.yml. */
async function deployedFunctions(): Promise<Record<string, FunctionConfig>> {
  return (JSON.parse(await readFile(join(root, 'deploy', 'actions.json'), 'utf8')) as { functions: Record<string, FunctionConfig> }).functions;
}

async function serve(): Promise<void> {
  const sandbox = await startSandbox();
  Object.assign(process.env, sandbox.env);
  const front = await serveHttpFront(await loadHandler<HttpHandler>('http'));
  const { exports, commands } = invokeLocalCommands(sandbox.env, await deployedFunctions(), ACTIONS.map((action) => action.name));
  const hmacKey = SANDBOX_HTTP_KEYS.hmacKeys[0]!;
  const body = JSON.stringify({ phoneNumber: '+15551234567' });
  console.log('Sandbox stand-ins are running on loopback. In another shell, from the project folder:\n');
  console.log(exports.join('\n'));
  for (const [name, command] of Object.entries(commands)) console.log(`\n# ${name}\n${command}`);
  console.log(`\nThe HTTP front (as CXone Studio or a Genesys Web Services data action would call it). The sandbox callers' API keys: ${SANDBOX_HTTP_KEYS.apiKeys.join(', ')}; HMAC key: ${hmacKey}\n`);
  console.log(`curl -sS ${front.url}/actions/customerLookup -H 'Authorization: Bearer ${API_KEY}' -H 'Content-Type: application/json' -d '${body}'`);
  console.log('\n# Signed with the HMAC key: x-bridge-signature is sha256=HMAC-SHA256(key, timestamp.METHOD.path.body), valid for 300 s');
  console.log(`ts=$(date +%s); body='${body}'`);
  console.log(`sig=$(printf '%s' "$ts.POST./actions/customerLookup.$body" | openssl dgst -sha256 -hmac '${hmacKey}' | sed 's/^.* //')`);
  console.log(`curl -sS ${front.url}/actions/customerLookup -H "x-bridge-timestamp: $ts" -H "x-bridge-signature: sha256=$sig" -H 'Content-Type: application/json' -d "$body"`);
  console.log('\nCtrl-C stops the sandbox.');
  const stop = () => void Promise.all([sandbox.close(), front.close()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/**
 * The production doctor of customerLookup, as `npm run doctor -- --deployed <action> --stage
 * sandbox` runs it: through the Lambda Invoke API (a loopback stand-in) to its companion handler,
 * which runs here with the action's sandbox environment.
 */
async function printProductionDoctor(env: Record<string, string>): Promise<void> {
  const action = ACTIONS.find(({ name }) => name === 'customerLookup') ?? ACTIONS[0]!;
  // The action's own variables, as its deployed function (and so its doctor) has them unprefixed.
  const lambda = await startLambdaStandIn({ [`data-action-bridge-sandbox-${action.name}Doctor`]: createProductionDoctorHandler(action, actionEnv(env, action.name)) });
  try {
    const run = await doctorDeployed(['--deployed', action.name, '--stage', 'sandbox'], { ...env, AWS_ENDPOINT_URL_LAMBDA: lambda.url });
    console.log(`\n━━ Production doctor: npm run doctor -- --deployed ${action.name} --stage sandbox → ${run.functionName}, on the stand-ins ━━\n`);
    console.log(renderReport(run.report));
  } finally {
    await lambda.close();
  }
}

async function runOnce(): Promise<number> {
  const sandbox = await startSandbox();
  Object.assign(process.env, sandbox.env);
  const logLines: string[] = [];
  const restoreLogs = redirectLogs((line) => logLines.push(line));
  // Powertools writes the EMF lines straight to stdout: keep them for the summary instead.
  const emfWritten: string[] = [];
  const restoreStdout = captureEmfWrites((text) => emfWritten.push(text));
  const httpHandler = await loadHandler<HttpHandler>('http');
  const front = await serveHttpFront(httpHandler);
  try {
    const results = await runSampleEvents(loadHandler);
    const overHttp = await postSampleEvents(front.url, API_KEY);
    const httpEvents = await runHttpEvents(httpHandler);
    restoreLogs();
    restoreStdout();
    printResults('Direct invoke (Genesys Cloud AWS Lambda data action), events/<action>*.json', results);
    printResults(`HTTP front, POST ${front.url}/actions/{name} (CXone Studio REST action), the same events`, overHttp);
    printResults('The http function on its API Gateway events, events/http-*.json', httpEvents);
    // Each container that cleans the secret warns once; the same warning from both fronts is one thing to fix.
    const warnings = new Set(logLines.map((line) => JSON.parse(line) as { level: string; message: string }).filter((line) => line.level === 'warn').map((line) => line.message));
    for (const warning of warnings) console.log(`\n⚠ ${warning}`);
    const counts = sandbox.counts();
    const functions = new Set(results.map((result) => result.functionName)).size;
    const answered = [...results, ...overHttp, ...httpEvents].filter((result) => result.ok).length;
    console.log(
      `\n${results.length} events, ${functions} functions, each run directly and through the HTTP front, and ${httpEvents.length} API Gateway events through the http function: ` +
        `${answered} answered, ${results.length + overHttp.length + httpEvents.length - answered} refused. ` +
        `Secrets Manager requests: ${counts.secret} (each function's secret once per front, ${2 * functions}, and the HTTPS callers' keys once), ` +
        `discovery requests: ${counts.discovery}, token requests: ${counts.token} (one per function and front), upstream requests: ${counts.upstream} (one per answered event): ` +
        `every other read came from a warm cache.`,
    );
    console.log(`\nMetrics (${emfWritten.length} EMF lines, one per invocation, as CloudWatch would sum them):`);
    for (const line of summariseMetrics(emfRecords(emfWritten))) console.log(`  ${line}`);
    await printProductionDoctor(sandbox.env);
    const unexpected = unexpectedResults([...results, ...overHttp, ...httpEvents]);
    for (const result of unexpected) console.error(`\n✗ ${result.file} → ${result.functionName}: ${result.ok ? 'answered, but a bad input must be refused' : 'failed'}`);
    return unexpected.length === 0 ? 0 : 1;
  } finally {
    restoreLogs();
    restoreStdout();
    await Promise.all([sandbox.close(), front.close()]);
  }
}

if (process.argv.includes('--serve')) {
  serve().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  void runCommand(runOnce);
}
