import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ACTIONS } from '../../lib/actions';
import { PROJECT_ROOT } from '../../tools/codegen/actionFolders';
import { SANDBOX_HTTP_KEYS } from '../../tools/sandbox/sandbox';
import { scanLinesOf } from '../setup/logs';
import { closedPort } from '../support/faultyServer';
import { runScript } from '../support/runScript';

/**
 * Every command as a user runs it, in a process of its own: it prints its result and exits
 * non-zero when it fails. Before the commands held their event loop (scripts/command.ts), the
 * doctor's retry back-off let its process end silently, with no report and exit code 0.
 */

/** This shell without the bridge's own variables or AWS credentials: a new user's machine. */
function userEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) if (/^(AWS_|SECRET_ID$|AUTH_PLATFORM$|TOKEN_URL$|GENESYS_REGION$|CXONE_|UPSTREAM_BASE_URL$)/.test(name)) delete env[name];
  return {
    ...env,
    // No credentials anywhere the SDK looks: not in files, not from the instance metadata service (a non-loopback host).
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: 'eu-central-1',
    ...overrides,
  };
}

/** The README's own doctor command. */
const README_DOCTOR = ['--secret-id', 'data-action-bridge/oauth', '--platform', 'genesys-cloud', '--region', 'mypurecloud.de'];

describe('npm run doctor', () => {
  it('with no AWS credentials: prints the report naming the secret it could not read, and exits 1', async () => {
    const run = await runScript('doctor.ts', README_DOCTOR, userEnv());

    expect(run.stdout).toContain('[SECRET_NOT_LOADED] SECRET_UNAVAILABLE: Secrets Manager could not return secret data-action-bridge/oauth (CredentialsProviderError: no AWS credentials found;');
    expect(run.stdout).toContain('Result: no token as configured');
    expect(run.code).toBe(1);
  });

  it('with Secrets Manager unreachable (its endpoint refuses connections, retried with back-off): prints the report and exits 1', async () => {
    const port = await closedPort();
    const env = userEnv({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}` });

    const run = await runScript('doctor.ts', README_DOCTOR, env);

    expect(run.stdout).toContain('[SECRET_NOT_LOADED] SECRET_UNAVAILABLE: Secrets Manager could not return secret data-action-bridge/oauth (ECONNREFUSED); try again');
    expect(run.stdout).toContain('Result: no token as configured');
    expect(run.code).toBe(1);
  });

  it('with options it does not know: prints the usage and exits 2', async () => {
    const run = await runScript('doctor.ts', ['--no-such-option'], userEnv());

    expect(run.stderr).toContain('Usage: npm run doctor');
    expect(run.code).toBe(2);
  });
});

describe('npm run contracts', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'contracts-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with a stack-outputs file that is not there: says so and exits 1', async () => {
    const run = await runScript('contracts.ts', ['--stack-outputs', join(dir, 'missing.json')], userEnv());

    expect(run.stderr).toContain('missing.json');
    expect(run.code).toBe(1);
  });

  it("with the outputs of another stack: names the outputs it lacks and exits 1", async () => {
    const outputs = join(dir, 'outputs.json');
    await writeFile(outputs, JSON.stringify([{ OutputKey: 'SomethingElse', OutputValue: 'x' }]));

    const run = await runScript('contracts.ts', ['--stack-outputs', outputs], userEnv());

    expect(run.stderr).toMatch(/the stack outputs lack .*FunctionArn/);
    expect(run.code).toBe(1);
  });
});

describe('npm run new-action', () => {
  it('with a name that is not camelCase: prints the usage and exits 2, writing nothing', async () => {
    const run = await runScript('newAction.ts', ['Not-A-Name'], userEnv());

    expect(run.stderr).toContain('usage: npm run new-action -- <camelCaseName>');
    expect(run.code).toBe(2);
  });

  it('with a connection name that cannot prefix a param: says why and exits 2', async () => {
    const run = await runScript('newAction.ts', ['orderStatus', '--connection', 'orders-eu'], userEnv());

    expect(run.stderr).toContain('--connection must be camelCase letters and digits');
    expect(run.code).toBe(2);
  });

  it('with an input name Genesys reserves: cites the rule and its help page and exits 2, writing nothing', async () => {
    const run = await runScript('newAction.ts', ['refusedInputProbe', '--input', 'rawRequest'], userEnv());

    expect(run.stderr).toContain('--input rawRequest is a reserved name (orgId, integrationId, rawRequest): Genesys would overwrite it (Genesys Cloud help "Add contracts to custom actions for integrations"');
    expect(run.code).toBe(2);
    expect(existsSync(join(PROJECT_ROOT, 'lib', 'actions', 'refusedInputProbe'))).toBe(false);
    expect(existsSync(join(PROJECT_ROOT, 'events', 'refusedInputProbe.json'))).toBe(false);
  });

  it('with the name of an action that exists: says so and exits 1', async () => {
    const run = await runScript('newAction.ts', ['customerLookup'], userEnv());

    expect(run.stderr).toContain('lib/actions/customerLookup exists already');
    expect(run.code).toBe(1);
  });
});

describe('npm start (the sandbox)', () => {
  it('answers every sample event as its file says and exits 0', async () => {
    const run = await runScript('sandbox.ts', [], userEnv(), 60_000);

    const [, functions, secretRequests, perFront] = /\d+ events, (\d+) functions, [^]*Secrets Manager requests: (\d+) \(each function's secret once per front, (\d+), and the HTTPS callers' keys once\)/.exec(run.stdout) ?? [];
    // The count is what its own explanation adds up to.
    expect([Number(secretRequests), Number(perFront)]).toStrictEqual([2 * Number(functions) + 1, 2 * Number(functions)]);
    // Both fronts clean the sandbox's dirty secret; the warning is one thing to fix, printed once.
    expect(run.stdout.match(/⚠ secret data-action-bridge\/sandbox needed cleaning/g)).toHaveLength(1);
    // The production doctor of the first action, invoked through the Lambda Invoke stand-in.
    expect(run.stdout).toMatch(/━━ Production doctor: npm run doctor -- --deployed customerLookup --stage sandbox → data-action-bridge-sandbox-customerLookupDoctor[^]*✔ secret as the function reads it[^]*Result: a token was obtained as configured\./);
    expect(run.stderr).not.toContain('✗');
    expect(run.code).toBe(0);
  });

  it('exits 1 and names each event that did not come out as its file says (here: every function misconfigured)', async () => {
    const run = await runScript('sandbox.ts', [], userEnv({ LOG_LEVEL: 'verbose' }), 60_000);

    expect(run.stderr).toContain('✗ customerLookup.json → customerLookup: failed');
    expect(run.code).toBe(1);
  });
});

describe('npm run sandbox:serve', () => {
  /** Starts the serving sandbox and waits for its instructions. */
  function serve(): Promise<{ text: string; stop(): void }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', '..', 'scripts', 'sandbox.ts'), '--serve'], { cwd: join(__dirname, '..', '..'), env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
        if (text.includes('Ctrl-C stops the sandbox.')) resolve({ text, stop: () => child.kill('SIGTERM') });
      });
      child.on('error', reject);
      child.on('close', (code) => reject(new Error(`sandbox:serve ended (${code}) before printing its instructions: ${text}`)));
    });
  }

  it("prints a serverless invoke local command for every function, the http one included, and the callers' API and HMAC keys", async () => {
    const served = await serve();
    try {
      for (const name of [...ACTIONS.map((action) => action.name), 'http']) expect(served.text).toMatch(new RegExp(`^# ${name}\\n.*npx serverless invoke local -f ${name} -p events/`, 'm'));
      expect(served.text).toMatch(/-f http -p events\/http-\w+\.json .*--param httpAuthSecretId=data-action-bridge\/sandbox-http-callers/);
      expect(served.text).toContain(`API keys: ${SANDBOX_HTTP_KEYS.apiKeys.join(', ')}; HMAC key: ${SANDBOX_HTTP_KEYS.hmacKeys[0]}`);
    } finally {
      served.stop();
    }
  });

  it("the printed http command answers its API Gateway event through serverless invoke local, as a user would run it", async () => {
    const served = await serve();
    try {
      const exports = served.text.split('\n').filter((line) => line.startsWith('export ')).join('\n');
      const command = /^# http\n(.*)$/m.exec(served.text)![1]!;
      const { stdout } = await promisify(execFile)('bash', ['-c', `${exports}\n${command}`], { cwd: join(__dirname, '..', '..'), env: userEnv(), timeout: 60_000, maxBuffer: 8 * 1024 * 1024 });
      scanLinesOf(stdout);

      expect(stdout).toContain('"statusCode": 200');
      expect(stdout).toMatch(/"body": "\{\\"found\\":true/);
    } finally {
      served.stop();
    }
  }, 90_000);
});
