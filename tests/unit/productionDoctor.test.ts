import { customerLookup } from '../../lib/actions/customerLookup/action';
import { startCustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { renderReport } from '../../tools/doctor/cli';
import { Cause } from '../../lib/doctor/findings';
import { doctorDeployed } from '../../tools/doctor/deployedCli';
import { createProductionDoctorHandler, runProductionDoctor, type ProductionDoctorEvent, type ProductionDoctorReport } from '../../lib/doctor/production/productionDoctor';
import { startLambdaStandIn } from '../../tools/standIns/lambdaStandIn';
import { startTokenEndpointStandIn, type TokenEndpointOptions, type TokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { STEP, canariesOf, causesOf, expectNoCanary, stepNamed } from '../support/doctor';
import { PROXY_PASSWORD, startForwardProxy } from '../support/forwardProxy';
import { startHungPort } from '../support/hungConnect';
import { Servers, startTestSecrets, type TestSecrets } from '../support/standIns';
import { createCaIssuedCertificate, startHttpsStandIn } from '../support/tls';

/**
 * The production doctor (issue 18): the companion function's handler, run in-process with an
 * action's environment pointed at loopback stand-ins, sets up each cause only production can
 * show and names it. Every report is checked for the secret and any issued token (canaries).
 */

const CLIENT = { clientId: 'prod-doctor-client', clientSecret: 'Prod-Doctor-Secret-4e1d' };
const PRINCIPAL = 'arn:aws:sts::123456789012:assumed-role/data-action-bridge-prod-CustomerLookupRole-1AB2C3/data-action-bridge-prod-customerLookupDoctor';
const RESOURCE = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:data-action-bridge/oauth-AbCdEf';
const PROD_STEP = {
  role: 'secret as the function reads it',
  tokenPath: 'network path to the token endpoint',
  upstreamPath: 'network path to the upstream API',
} as const;

let logs: CapturedLogs;
let secrets: TestSecrets;
const servers = new Servers();

beforeEach(async () => {
  logs = captureLogs();
  secrets = await startTestSecrets(CLIENT);
});

afterEach(async () => {
  logs.restore();
  expectNoCanary(logs.lines.join('\n'), canariesOf(JSON.stringify(CLIENT)));
  await servers.closeAll();
  await secrets.close();
});

const tokenEndpoint = (options: TokenEndpointOptions = {}): Promise<TokenEndpointStandIn> => startTokenEndpointStandIn([CLIENT], options).then((server) => servers.track(server));

async function customerApi(token: TokenEndpointStandIn): Promise<string> {
  return servers.track(await startCustomerApiStandIn((authorization) => token.isValid(authorization))).url;
}

/** customerLookup's environment as deploy/actions.json gives it, pointed at the stand-ins. */
function actionEnv(tokenUrl: string, upstreamBaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...secrets.env, AUTH_PLATFORM: 'oauth2', TOKEN_URL: tokenUrl, UPSTREAM_BASE_URL: upstreamBaseUrl, CLIENT_AUTH_METHOD: 'client_secret_basic', ...extra };
}

/** Runs the companion's handler, and checks that neither the report nor its rendering holds a secret or a token. */
async function diagnoseInProduction(env: NodeJS.ProcessEnv, event: ProductionDoctorEvent = {}, secretString = JSON.stringify(CLIENT)): Promise<ProductionDoctorReport> {
  const report = await createProductionDoctorHandler(customerLookup, env)(event);
  const canaries = canariesOf(secretString);
  expectNoCanary(JSON.stringify(report), canaries);
  expectNoCanary(renderReport(report), canaries);
  return report;
}

describe('production doctor › a healthy action', () => {
  it("reads the secret as the role does, walks the path, obtains a token with one request, and reaches the upstream", async () => {
    const token = await tokenEndpoint();
    const api = await customerApi(token);

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, api));

    expect(report.steps.map((step) => [step.name, step.status])).toStrictEqual([
      [PROD_STEP.role, 'ok'],
      [STEP.secret, 'ok'],
      [STEP.endpoint, 'ok'],
      [PROD_STEP.tokenPath, 'ok'],
      [STEP.token, 'ok'],
      [STEP.clock, 'ok'],
      [STEP.upstream, 'skipped'],
      [PROD_STEP.upstreamPath, 'ok'],
    ]);
    expect(report.tokenObtained).toBe(true);
    expect(token.requests).toBe(1);
    expect(stepNamed(report, PROD_STEP.role)?.details).toEqual(expect.arrayContaining([expect.stringMatching(/^read version [0-9a-f-]{36} \[AWSCURRENT\], created \d{4}-\d\d-\d\dT/), expect.stringMatching(/^versions: [0-9a-f-]{36} \[AWSCURRENT\]$/)]));
    expect(stepNamed(report, PROD_STEP.tokenPath)?.details).toEqual(['proxy: none (no HTTPS_PROXY / HTTP_PROXY variable)', 'DNS: 127.0.0.1 is an address, nothing to resolve', expect.stringMatching(/^TCP connect to 127\.0\.0\.1:\d+: \d+ ms$/)]);
  });

  it("sends the action's own upstream request once when the operator gives a sample input, and never otherwise", async () => {
    const token = await tokenEndpoint();
    const api = await customerApi(token);

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, api), { input: { phoneNumber: '+15551234567' } });

    expect(stepNamed(report, STEP.upstream)).toMatchObject({ status: 'ok', details: [expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/customers\?phone=%2B15551234567 → HTTP 200$/)] });
    expect(token.requests).toBe(1);
  });
});

describe('production doctor › the secret as the role reads it', () => {
  it('passes the AccessDeniedException through: SECRET_ACCESS_DENIED naming the principal and the resource', async () => {
    const token = await tokenEndpoint();
    const message = `User: ${PRINCIPAL} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${RESOURCE} because no identity-based policy allows the secretsmanager:GetSecretValue action`;
    secrets.secretsManager.failWith({ type: 'AccessDeniedException', status: 400, message });

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, 'http://127.0.0.1:9'));

    expect(causesOf(report, PROD_STEP.role)).toStrictEqual([Cause.SECRET_ACCESS_DENIED]);
    expect(stepNamed(report, PROD_STEP.role)?.findings[0]?.message).toBe(`AccessDeniedException: ${message}`);
    expect(stepNamed(report, PROD_STEP.role)?.details).toEqual(expect.arrayContaining([`principal: ${PRINCIPAL}`, 'action: secretsmanager:GetSecretValue', `resource: ${RESOURCE}`]));
    expect(causesOf(report, STEP.secret)).toStrictEqual([Cause.SECRET_NOT_LOADED]);
    expect(token.requests).toBe(0);
  });

  it('names a KMS key the role may not use: SECRET_KMS_DENIED (DecryptionFailure)', async () => {
    const token = await tokenEndpoint();
    secrets.secretsManager.failWith({ type: 'DecryptionFailure', status: 400, message: "Secrets Manager can't decrypt the protected secret text using the provided KMS key." });

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, 'http://127.0.0.1:9'));

    expect(causesOf(report, PROD_STEP.role)).toStrictEqual([Cause.SECRET_KMS_DENIED]);
  });

  it('names a secret the account and region do not have: SECRET_NOT_FOUND', async () => {
    const token = await tokenEndpoint();

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, 'http://127.0.0.1:9', { SECRET_ID: 'data-action-bridge/elsewhere' }));

    expect(causesOf(report, PROD_STEP.role)).toStrictEqual([Cause.SECRET_NOT_FOUND]);
  });

  it('shows a half-finished rotation: SECRET_ROTATION_PENDING when an AWSPENDING version stands beside AWSCURRENT', async () => {
    const token = await tokenEndpoint();
    secrets.secretsManager.putPendingSecret('data-action-bridge/test', JSON.stringify({ ...CLIENT, clientSecret: 'Rotated-Secret-9b8c7d' }));

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, await customerApi(token)));

    expect(causesOf(report, PROD_STEP.role)).toStrictEqual([Cause.SECRET_ROTATION_PENDING]);
    expect(stepNamed(report, PROD_STEP.role)?.details).toContainEqual(expect.stringMatching(/^versions: [0-9a-f-]{36} \[AWSCURRENT\]; [0-9a-f-]{36} \[AWSPENDING\]$/));
    expect(report.tokenObtained).toBe(true);
  });
});

describe('production doctor › at most one token request per run', () => {
  it.each([
    ['a refused client, where the local doctor tries the alternatives', { clientSecret: 'Wrong-Secret-00aa11' }],
    ['a secret with whitespace, where the local doctor also tries it as stored', { clientSecret: `${CLIENT.clientSecret}\n` }],
  ])('%s', async (_, fields) => {
    const token = await tokenEndpoint();
    const stored = JSON.stringify({ ...CLIENT, ...fields });
    secrets.secretsManager.putSecret('data-action-bridge/test', stored);

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, await customerApi(token)), {}, stored);

    expect(token.requests).toBe(1);
    expect(report.steps.map((step) => step.name)).not.toContain(STEP.alternatives);
    expect(report.steps.map((step) => step.name)).not.toContain(STEP.raw);
  });
});

describe('production doctor › the clock', () => {
  it("names the function's clock 10 minutes off the token endpoint's Date header: CLOCK_SKEW", async () => {
    const token = await tokenEndpoint({ clockOffsetMs: 600_000 });

    const report = await diagnoseInProduction(actionEnv(token.tokenUrl, await customerApi(token)));

    expect(causesOf(report, STEP.clock)).toStrictEqual([Cause.CLOCK_SKEW]);
    expect(stepNamed(report, STEP.clock)?.findings[0]?.message).toMatch(/^the function's clock is (599|600) s behind the server's/); // a Date header has whole seconds
  });
});

describe('production doctor › the network path', () => {
  it('names a certificate from a CA Node does not bundle as a likely TLS-inspecting proxy (TLS_INSPECTED), and the request fails as the local doctor names it (TLS_FAILURE)', async () => {
    const certificate = await createCaIssuedCertificate('Example Corp Inspection CA');
    const https = servers.track(await startHttpsStandIn(certificate));
    try {
      const report = await diagnoseInProduction(actionEnv(`${https.url}/oauth/token`, 'http://127.0.0.1:9'));

      expect(causesOf(report, PROD_STEP.tokenPath)).toStrictEqual([Cause.TLS_INSPECTED]);
      const path = stepNamed(report, PROD_STEP.tokenPath)!;
      expect(path.details).toContainEqual(expect.stringMatching(/^TLS: TLSv1\.3, certificate subject CN=127\.0\.0\.1, issuer CN=Example Corp Inspection CA, O=Example Corp, expires \d{4}-.* \((0|1) days\), sha256 /));
      expect(path.findings[0]?.message).toContain('TLS-inspecting proxy');
      expect(causesOf(report, STEP.token)).toStrictEqual([Cause.TLS_FAILURE]);
      expect(https.requests).toStrictEqual([]);
    } finally {
      await certificate.remove();
    }
  });

  it('names a connect that hangs until the budget NETWORK_NO_ROUTE, and does not wait for the token request too', async () => {
    // A listener whose accept queue is full: SYNs go unanswered, as with no route (tests/support/hungConnect.ts).
    const hung = servers.track(await startHungPort());
    const startedAt = Date.now();

    const report = await diagnoseInProduction(actionEnv(`http://127.0.0.1:${hung.port}/oauth/token`, 'http://127.0.0.1:9'), { stepBudgetMs: 400 });

    expect(causesOf(report, PROD_STEP.tokenPath)).toStrictEqual([Cause.NETWORK_NO_ROUTE]);
    expect(stepNamed(report, PROD_STEP.tokenPath)?.findings[0]?.message).toContain(`hung for 400 ms`);
    expect(stepNamed(report, STEP.token)).toMatchObject({ status: 'skipped' });
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it("goes through the function's egress proxy, as its requests do, shown without its credentials; NO_PROXY keeps a host direct", async () => {
    const token = await tokenEndpoint();
    const proxy = servers.track(await startForwardProxy({ requireAuth: true }));
    const tokenHost = new URL(token.tokenUrl).host;
    const env = actionEnv(token.tokenUrl, await customerApi(token), { HTTP_PROXY: proxy.urlWithCredentials });

    const viaProxy = await runProductionDoctor(customerLookup, env);
    const throughProxy = proxy.forwardedHosts();
    const direct = await runProductionDoctor(customerLookup, { ...env, NO_PROXY: '127.0.0.1' });

    expect(viaProxy.tokenObtained).toBe(true);
    expect(stepNamed(viaProxy, PROD_STEP.tokenPath)?.details).toEqual([
      `proxy: http://***@127.0.0.1:${new URL(proxy.url).port} (from HTTP_PROXY); the connection below is to the proxy, which opens the tunnel to ${tokenHost}`,
      'DNS: 127.0.0.1 is an address, nothing to resolve',
      expect.stringMatching(new RegExp(`^TCP connect to 127\\.0\\.0\\.1:${new URL(proxy.url).port}: \\d+ ms$`)),
    ]);
    // The secret reads and the token request went through the proxy (with no sample input, the upstream is only probed).
    expect(new Set(throughProxy)).toStrictEqual(new Set([new URL(secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!).host, tokenHost]));
    expect(stepNamed(viaProxy, PROD_STEP.upstreamPath)?.details[0]).toMatch(/^proxy: http:\/\/\*\*\*@127\.0\.0\.1:\d+ \(from HTTP_PROXY\)/);
    expectNoCanary(JSON.stringify(viaProxy) + renderReport(viaProxy), [PROXY_PASSWORD]);
    expect(direct.tokenObtained).toBe(true);
    expect(stepNamed(direct, PROD_STEP.tokenPath)?.details[0]).toBe('proxy: none for 127.0.0.1 (NO_PROXY names it)');
    expect(proxy.forwardedHosts()).toStrictEqual(throughProxy);
  });
});

describe('npm run doctor -- --deployed', () => {
  it("invokes data-action-bridge-<stage>-<action>Doctor through the Lambda Invoke API and returns the companion's report", async () => {
    const token = await tokenEndpoint();
    const env = actionEnv(token.tokenUrl, await customerApi(token));
    const lambda = servers.track(await startLambdaStandIn({ 'data-action-bridge-prod-customerLookupDoctor': createProductionDoctorHandler(customerLookup, env) }));

    const run = await doctorDeployed(['--deployed', 'customerLookup', '--stage', 'prod', '--region', 'eu-west-1'], { ...secrets.env, AWS_ENDPOINT_URL_LAMBDA: lambda.url });

    expect(lambda.invoked).toStrictEqual(['data-action-bridge-prod-customerLookupDoctor']);
    expect(run).toMatchObject({ functionName: 'data-action-bridge-prod-customerLookupDoctor', region: 'eu-west-1', report: { action: 'customerLookup', tokenObtained: true } });
    expect(token.requests).toBe(1);
  });

  it('says which function it could not find', async () => {
    const lambda = servers.track(await startLambdaStandIn({}));

    await expect(doctorDeployed(['--deployed', 'customerLookup'], { ...secrets.env, AWS_ENDPOINT_URL_LAMBDA: lambda.url })).rejects.toThrow(
      /could not invoke data-action-bridge-dev-customerLookupDoctor: ResourceNotFoundException/,
    );
  });
});
