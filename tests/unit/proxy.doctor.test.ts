import { doctorFromArgs, renderReport } from '../../tools/doctor/cli';
import type { DoctorReport } from '../../lib/doctor/doctor';
import { Cause } from '../../lib/doctor/findings';
import { startCustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { STEP, canariesOf, causesOf, expectNoCanary, stepNamed } from '../support/doctor';
import { PROXY_BASIC, PROXY_PASSWORD, startForwardProxy, type ForwardProxy } from '../support/forwardProxy';
import { setSdkProcessEnv } from '../support/processEnv';
import { Servers, startTestSecrets, type TestSecrets } from '../support/standIns';

/**
 * The doctor behind an egress proxy (`npm run doctor` with the function's HTTPS_PROXY /
 * HTTP_PROXY / NO_PROXY): its own requests (Secrets Manager, token, upstream) take the same
 * agents as the function's, and what a proxy does to them is a finding of its own.
 */

const CLIENT = { clientId: 'proxy-doctor-client', clientSecret: 'Proxy-Doctor-Secret-5e1f' };

const servers = new Servers();
let logs: CapturedLogs;
let secrets: TestSecrets;
let restoreEnv: () => void;
let tokenEndpoint: TokenEndpointStandIn;

beforeEach(async () => {
  logs = captureLogs();
  secrets = await startTestSecrets(CLIENT);
  // The doctor's Secrets Manager client reads its endpoint from process.env, as `npm run doctor` does.
  restoreEnv = setSdkProcessEnv({ AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER });
  tokenEndpoint = servers.track(await startTokenEndpointStandIn([CLIENT]));
});

afterEach(async () => {
  logs.restore();
  expectNoCanary(logs.lines.join('\n'), [CLIENT.clientSecret, PROXY_PASSWORD, PROXY_BASIC]);
  restoreEnv();
  await servers.closeAll();
  await secrets.close();
});

const hostOf = (url: string) => new URL(url).host;

/** Runs the doctor as `npm run doctor -- --secret-id … --token-url …` with the proxy variables, and checks that nothing secret is printed. */
async function doctorWith(proxyEnv: Record<string, string>, extraArgs: string[] = []): Promise<{ report: DoctorReport; text: string }> {
  const env = { ...secrets.env, ...proxyEnv };
  const report = await doctorFromArgs(['--secret-id', secrets.env.SECRET_ID!, '--token-url', tokenEndpoint.tokenUrl, '--timeout-ms', '3000', ...extraArgs], env);
  const text = renderReport(report);
  const canaries = [...canariesOf(JSON.stringify(CLIENT)), PROXY_PASSWORD, PROXY_BASIC];
  expectNoCanary(text, canaries);
  expectNoCanary(JSON.stringify(report), canaries);
  return { report, text };
}

async function proxy(options: Parameters<typeof startForwardProxy>[0] = {}): Promise<ForwardProxy> {
  return servers.track(await startForwardProxy(options));
}

describe('doctor › through an egress proxy', () => {
  it('sends its own requests (Secrets Manager, token, upstream) through the proxy and shows it as http://***@host:port', async () => {
    const forward = await proxy({ requireAuth: true });
    const api = servers.track(await startCustomerApiStandIn((authorization) => tokenEndpoint.isValid(authorization)));

    const { report, text } = await doctorWith({ HTTPS_PROXY: forward.urlWithCredentials, HTTP_PROXY: forward.urlWithCredentials }, ['--upstream-url', `${api.url}/customers?phone=%2B15551234567`]);

    expect(report.tokenObtained).toBe(true);
    expect(forward.forwardedHosts()).toStrictEqual([hostOf(secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!), hostOf(tokenEndpoint.tokenUrl), hostOf(api.url)]);
    expect(stepNamed(report, STEP.token)?.details).toContain(`through the egress proxy http://***@${hostOf(forward.url)} (HTTP_PROXY)`);
    expect(text).toContain('http://***@');
  });

  it('NO_PROXY: says the token endpoint is reached direct, and the proxy sees only what it does not name', async () => {
    const forward = await proxy();

    const { report } = await doctorWith({ HTTP_PROXY: forward.url, NO_PROXY: hostOf(tokenEndpoint.tokenUrl) });

    expect(report.tokenObtained).toBe(true);
    expect(stepNamed(report, STEP.token)?.details).toContain('direct: NO_PROXY names the host');
    expect(forward.forwardedHosts()).toStrictEqual([hostOf(secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!)]);
  });

  it('PROXY_AUTH_REQUIRED when the proxy answers 407 to the token request (wrong password, never printed)', async () => {
    const forward = await proxy({ requireAuth: true });
    const wrong = forward.urlWithCredentials.replace(PROXY_PASSWORD, `${PROXY_PASSWORD}-old`);

    const { report } = await doctorWith({ HTTP_PROXY: wrong, NO_PROXY: hostOf(secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!) });

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.PROXY_AUTH_REQUIRED]);
    expect(stepNamed(report, STEP.token)?.findings[0]?.message).toContain(`the egress proxy http://***@${hostOf(forward.url)} (HTTP_PROXY) requires authentication (HTTP 407)`);
    expect(tokenEndpoint.requests).toBe(0);
  });

  it('PROXY_RESET when the proxy drops the token request', async () => {
    const forward = await proxy({ mode: 'reset' });

    const { report } = await doctorWith({ HTTP_PROXY: forward.url, NO_PROXY: hostOf(secrets.env.AWS_ENDPOINT_URL_SECRETS_MANAGER!) });

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.PROXY_RESET]);
    expect(report.tokenObtained).toBe(false);
  });

  it('PROXY_STRIPPED_AUTHORIZATION when invalid_client through the proxy becomes a token without it (and not AUTH_METHOD)', async () => {
    const forward = await proxy({ mode: 'strip-authorization' });

    const { report } = await doctorWith({ HTTP_PROXY: forward.url });

    expect(causesOf(report, STEP.token)).toStrictEqual([Cause.TOKEN_REJECTED]);
    expect(causesOf(report, STEP.alternatives)).toStrictEqual([Cause.PROXY_STRIPPED_AUTHORIZATION]);
    expect(stepNamed(report, STEP.alternatives)?.details).toStrictEqual([`the same request without the egress proxy ${forward.url}: token obtained`]);
    // The proxy saw the request with its header; the server got it without.
    expect(forward.exchanges.filter((e) => e.kind === 'absolute').map((e) => e.authorization)).toStrictEqual([true]);
    expect(tokenEndpoint.requests).toBe(2);
  });

  it('no PROXY_STRIPPED_AUTHORIZATION when the request fails without the proxy too (a wrong secret)', async () => {
    const forward = await proxy();
    secrets.secretsManager.putSecret(secrets.env.SECRET_ID!, JSON.stringify({ ...CLIENT, clientSecret: 'Not-The-Secret-0000' }));

    const { report } = await doctorWith({ HTTP_PROXY: forward.url });

    expect(causesOf(report, STEP.alternatives)).not.toContain(Cause.PROXY_STRIPPED_AUTHORIZATION);
    expect(stepNamed(report, STEP.alternatives)?.details[0]).toMatch(/^the same request without the egress proxy http:\/\/127\.0\.0\.1:\d+: TOKEN_INVALID_CLIENT/);
  });
});
