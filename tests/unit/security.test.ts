import { createHash, randomUUID } from 'node:crypto';
import { format, inspect } from 'node:util';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { Agent, request } from 'undici';
import type { AnyAction } from '../../lib/runtime/action';
import { ACTIONS } from '../../lib/actions';
import { agentState } from '../../lib/actions/agentState/action';
import { customerLookup } from '../../lib/actions/customerLookup/action';
import { queueEstimatedWait } from '../../lib/actions/queueEstimatedWait/action';
import { loadConfig } from '../../lib/runtime/config';
import { CXONE_DEFAULT_ISSUER } from '../../lib/base/constants';
import { parseCredentials } from '../../lib/auth/credentials';
import { runDoctor } from '../../lib/doctor/doctor';
import { BridgeError } from '../../lib/base/errors';
import { createDirectHandler } from '../../lib/front/directInvoke';
import { createHttpHandler } from '../../lib/front/httpFront';
import { createHttpAgent } from '../../lib/http/httpClient';
import { logger } from '../../lib/base/logger';
import { formUrlEncode } from '../../lib/auth/formEncoding';
import type { ApiStandIn } from '../../tools/standIns/apiStandIn';
import { startCustomerApiStandIn } from '../../lib/actions/customerLookup/standIn';
import { createLambdaContext } from '../../tools/sandbox/lambdaContext';
import { json, type LoopbackRequest } from '../../tools/standIns/loopbackServer';
import { startCxoneApiStandIn } from '../../lib/actions/agentState/standIn';
import {
  SANDBOX_CLIENT,
  SANDBOX_CXONE_ACCESS_KEY,
  SANDBOX_CXONE_CLIENT,
  SANDBOX_CXONE_SECRET_ID,
  SANDBOX_CXONE_TENANT_ID,
  SANDBOX_GENESYS_CLIENT,
  SANDBOX_GENESYS_SECRET_ID,
  SANDBOX_HTTP_AUTH_SECRET_ID,
  SANDBOX_HTTP_KEYS,
  SANDBOX_SECRET_ID,
  startSandbox,
  type Sandbox,
} from '../../tools/sandbox/sandbox';
import { startTokenEndpointStandIn, type TokenEndpointStandIn } from '../../tools/standIns/tokenEndpointStandIn';
import { SecretText } from '../../lib/base/secretText';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { httpEvent } from '../support/fuzz';
import { signedHeaders } from '../support/httpCalls';
import {
  basicFormsOf,
  bearerTokensOf,
  errorTexts,
  findLeaks,
  formsOf,
  type Haystack,
  type Needle,
} from '../support/leaks';
import { hang, jsonReply, respond, startFaultyServer, type Fault, type FaultyServer } from '../support/faultyServer';
import { sdkVariablesOf, setSdkProcessEnv } from '../support/processEnv';
import { PACKAGE_TIMEOUT_MS, evaluateConditions, packageService, resolveIfs, type PackagedService } from '../support/packaging';
import { sampleEventOf } from '../../tools/codegen/generatedFiles';
import { createSelfSignedCertificate, startHttpsStandIn, type HttpsStandIn, type SelfSignedCertificate } from '../support/tls';

/**
 * Security properties (docs/design.md §3, §4, §5, §7, §9, §10) proven end to end on loopback:
 * - no secret, key or token reaches a log line (at debug), a thrown error (message, stack,
 *   JSON, inspect, cause chain), an output or an HTTP answer, in any scenario;
 * - certificates are verified, plain http:// is refused for non-loopback hosts, and
 *   redirects never carry a credential to another origin;
 * - the deployable package holds no secret and its role reads only the named secrets;
 * - SecretText and the logger's redaction hold under every way of printing.
 */

const CANARY = {
  client: { clientId: 'canary-client', clientSecret: 'CANARY-secret-9f8e7d' },
  genesys: { clientId: 'canary-genesys-client', clientSecret: 'CANARY-genesys+secret/=:%@5c4b' },
  cxone: { clientId: 'canary-cxone-app@example', clientSecret: 'CANARY-cxone-app+/=2a1b' },
  accessKey: { accessKeyId: 'AKCANARY0001', accessKeySecret: 'CANARY-access-key-secret+/=7e6d' },
  apiKeys: ['CANARY-api-key-current-1a2b3c', 'CANARY-api-key-previous-4d5e6f'],
  hmacKey: 'CANARY-hmac-key-7a8b9c0d1e2f',
  awsSecretAccessKey: 'CANARY-aws-secret-access-key-0a9b8c',
  /** Values a caller or a rotation presents that are not accepted: they must not be echoed either. */
  wrongApiKey: 'CANARY-wrong-api-key-000000',
  wrongHmacKey: 'CANARY-wrong-hmac-key-111111',
  rejectedClientSecret: 'CANARY-rejected-secret-2b3c4d',
  rejectedAccessKeySecret: 'CANARY-rejected-access-key-5e6f',
  rotatedClientSecret: 'CANARY-rotated-secret-8h9i0j',
} as const;

const FOUND = { phoneNumber: '+15551234567' };
/** Each action's own first sample event (lib/actions/<name>/events/<name>.json). */
const VALID_EVENTS: Record<string, unknown> = Object.fromEntries(ACTIONS.map(({ name }) => [name, sampleEventOf(name)]));

// ---------------------------------------------------------------------------------------------
// A sandbox whose every credential is a canary

interface World {
  sandbox: Sandbox;
  cxoneToken: TokenEndpointStandIn;
  cxoneApi: ApiStandIn;
  env: Record<string, string>;
  /** Other servers a test started: closed after it, their Authorization headers collected. */
  recorders: FaultyServer[];
  apis: ApiStandIn[];
  close(): Promise<void>;
}

async function openCanaryWorld(): Promise<World> {
  const sandbox = await startSandbox({
    // A trailing newline, as pasted into the console: hygiene removes it with a warning.
    secretString: JSON.stringify({ ...CANARY.client, clientSecret: `${CANARY.client.clientSecret}\n` }),
    clients: [CANARY.client],
  });
  sandbox.secretsManager.putSecret(SANDBOX_GENESYS_SECRET_ID, JSON.stringify(CANARY.genesys));
  sandbox.genesys.tokenEndpoint.setClients([CANARY.genesys]);
  sandbox.secretsManager.putSecret(SANDBOX_HTTP_AUTH_SECRET_ID, JSON.stringify({ apiKeys: CANARY.apiKeys, hmacKeys: [CANARY.hmacKey] }));
  // The sandbox's CXone stand-in has its access key built in: this one takes the canary.
  let cxoneToken: TokenEndpointStandIn | undefined;
  const cxoneApi = await startCxoneApiStandIn((authorization) => cxoneToken?.isValid(authorization) === true);
  cxoneToken = await startTokenEndpointStandIn([CANARY.cxone], { flavour: 'nice-cxone', accessKeys: [CANARY.accessKey], apiEndpoint: cxoneApi.url });
  sandbox.secretsManager.putSecret(SANDBOX_CXONE_SECRET_ID, JSON.stringify({ ...CANARY.cxone, ...CANARY.accessKey, tenantId: SANDBOX_CXONE_TENANT_ID }));

  const env: Record<string, string> = { ...sandbox.env, AWS_SECRET_ACCESS_KEY: CANARY.awsSecretAccessKey, AWS_EC2_METADATA_DISABLED: 'true', LOG_LEVEL: 'debug', AGENT_STATE__CXONE_ISSUER: cxoneToken.url };
  // The SDK reads its credentials from process.env: there too the secret access key is a canary.
  const restoreEnv = setSdkProcessEnv(sdkVariablesOf(env));
  const world: World = {
    sandbox,
    cxoneToken,
    cxoneApi,
    env,
    recorders: [],
    apis: [],
    close: async () => {
      restoreEnv();
      await Promise.all([...world.recorders.splice(0).map((server) => server.close()), ...world.apis.splice(0).map((server) => server.close()), cxoneApi.close(), cxoneToken!.close(), sandbox.close()]);
    },
  };
  return world;
}

let logs: CapturedLogs;
let world: World;

beforeEach(async () => {
  logs = captureLogs();
  world = await openCanaryWorld();
});

afterEach(async () => {
  await world.close();
  logs.restore();
});

/** A loopback server answering every request with `fault`, recording what it was sent; closed after the test. */
async function recorder(fault: Fault): Promise<FaultyServer> {
  const server = await startFaultyServer();
  server.otherwise(fault);
  world.recorders.push(server);
  return server;
}

interface Produced {
  outputs: unknown[];
  errors: unknown[];
  http: APIGatewayProxyStructuredResultV2[];
}

const produced = (): Produced => ({ outputs: [], errors: [], http: [] });

/** Invokes a direct handler, keeping what it returned or threw; resolves to the error code or 'ok'. */
async function invokeInto(into: Produced, handler: ReturnType<typeof createDirectHandler>, event: unknown, timeoutMs = 6_000): Promise<string> {
  try {
    into.outputs.push(await handler(event, createLambdaContext('security', timeoutMs)));
    return 'ok';
  } catch (error) {
    into.errors.push(error);
    return String((error as { code?: unknown }).code);
  }
}

function handlerOf(action: AnyAction, overrides: Record<string, string> = {}) {
  return createDirectHandler(action, { ...world.env, ...overrides });
}

/** Every access token any API stand-in or recording server was shown. */
function tokensSeen(): string[] {
  const { customerApi, genesys } = world.sandbox;
  const authorizations = [
    ...customerApi.authorizations,
    ...genesys.api.authorizations,
    ...world.cxoneApi.authorizations,
    ...world.apis.flatMap((api) => api.authorizations),
    ...world.recorders.flatMap((server) => server.seen.map((seen) => seen.headers.authorization)),
  ];
  return [...new Set(bearerTokensOf(authorizations))];
}

function canaryNeedles(): Needle[] {
  return [
    ...formsOf('customerLookup client secret', CANARY.client.clientSecret),
    ...formsOf('customerLookup client secret as stored', `${CANARY.client.clientSecret}\n`),
    ...basicFormsOf('customerLookup client', CANARY.client.clientId, CANARY.client.clientSecret),
    ...basicFormsOf('customerLookup client as stored', CANARY.client.clientId, `${CANARY.client.clientSecret}\n`),
    ...formsOf('Genesys client secret', CANARY.genesys.clientSecret),
    ...basicFormsOf('Genesys client', CANARY.genesys.clientId, CANARY.genesys.clientSecret),
    ...formsOf('CXone client secret', CANARY.cxone.clientSecret),
    ...basicFormsOf('CXone client', CANARY.cxone.clientId, CANARY.cxone.clientSecret),
    ...formsOf('CXone access key secret', CANARY.accessKey.accessKeySecret),
    ...CANARY.apiKeys.flatMap((key, index) => formsOf(`HTTP API key #${index}`, key)),
    ...formsOf('HTTP HMAC key', CANARY.hmacKey),
    ...formsOf('AWS secret access key', CANARY.awsSecretAccessKey),
    ...formsOf('wrong API key a caller presented', CANARY.wrongApiKey),
    ...formsOf('wrong HMAC key', CANARY.wrongHmacKey),
    ...formsOf('rejected client secret', CANARY.rejectedClientSecret),
    ...basicFormsOf('rejected client', CANARY.client.clientId, CANARY.rejectedClientSecret),
    ...formsOf('rejected access key secret', CANARY.rejectedAccessKeySecret),
    ...formsOf('rotated client secret', CANARY.rotatedClientSecret),
    ...basicFormsOf('rotated client', CANARY.client.clientId, CANARY.rotatedClientSecret),
    ...tokensSeen().map((token, index): Needle => [`access token #${index}`, token]),
  ];
}

function haystacksOf(from: Produced): Haystack[] {
  return [
    ...logs.lines.map((line, index): Haystack => [`log line ${index}`, line]),
    ...from.errors.flatMap((error, index) => errorTexts(error).map((text): Haystack => [`error ${index} (${String((error as { code?: unknown }).code)})`, text])),
    ...from.outputs.map((output, index): Haystack => [`output ${index}`, JSON.stringify(output)]),
    ...from.http.map((answer, index): Haystack => [`HTTP answer ${index}`, JSON.stringify(answer)]),
  ];
}

/** Issued tokens all start with this; none may appear even if it never reached an API. */
const ISSUED_TOKEN = /sandbox-at-[0-9a-f]{8}/;

function expectNoLeaks(from: Produced): void {
  expect(findLeaks(haystacksOf(from), canaryNeedles(), ISSUED_TOKEN)).toStrictEqual([]);
}

describe('the canary scan: no secret, key or token in logs, errors, outputs or HTTP answers (LOG_LEVEL=debug)', () => {
  it('successful invocations of every action, cold and warm, with client_secret_basic and client_secret_post', async () => {
    const into = produced();
    for (const action of ACTIONS) {
      const handler = handlerOf(action);
      expect(await invokeInto(into, handler, VALID_EVENTS[action.name])).toBe('ok');
      expect(await invokeInto(into, handler, VALID_EVENTS[action.name])).toBe('ok');
    }
    expect(await invokeInto(into, handlerOf(customerLookup, { CLIENT_AUTH_METHOD: 'client_secret_post' }), FOUND)).toBe('ok');

    expect(tokensSeen().length).toBeGreaterThanOrEqual(ACTIONS.length + 1);
    expect(logs.records().some((record) => record.level === 'debug')).toBe(true);
    expect(logs.records().some((record) => record.event === 'secret_hygiene')).toBe(true);
    expectNoLeaks(into);
  });

  it('bad input on every action, on a warm container holding a token', async () => {
    const into = produced();
    for (const action of ACTIONS) {
      const handler = handlerOf(action);
      await invokeInto(into, handler, VALID_EVENTS[action.name]);
      expect(await invokeInto(into, handler, { [Object.keys(VALID_EVENTS[action.name] as object)[0]!]: `${CANARY.client.clientSecret} not valid` })).toBe('INPUT_INVALID');
      expect(await invokeInto(into, handler, null)).toBe('INPUT_INVALID');
    }

    expectNoLeaks(into);
  });

  it('an upstream 401 on every action, then a retry with a new token', async () => {
    const into = produced();
    // Each platform's token endpoint in the canary world.
    const revoke: Record<string, () => void> = {
      oauth2: () => world.sandbox.tokenEndpoint.revokeIssuedTokens(),
      'genesys-cloud': () => world.sandbox.genesys.tokenEndpoint.revokeIssuedTokens(),
      'nice-cxone': () => world.cxoneToken.revokeIssuedTokens(),
    };
    for (const action of ACTIONS) {
      const handler = handlerOf(action);
      expect(await invokeInto(into, handler, VALID_EVENTS[action.name])).toBe('ok');
      revoke[action.platform ?? 'oauth2']!();
      expect(await invokeInto(into, handler, VALID_EVENTS[action.name])).toBe('ok');
    }

    expect(tokensSeen().length).toBeGreaterThanOrEqual(2 * ACTIONS.length);
    expectNoLeaks(into);
  });

  it('an upstream that answers 401 to every token (UPSTREAM_UNAUTHORIZED)', async () => {
    const into = produced();
    const refusing = await startCustomerApiStandIn(() => false);
    world.apis.push(refusing);

    expect(await invokeInto(into, handlerOf(customerLookup, { UPSTREAM_BASE_URL: refusing.url }), FOUND)).toBe('UPSTREAM_UNAUTHORIZED');

    expect(bearerTokensOf(refusing.authorizations)).toHaveLength(2);
    expectNoLeaks(into);
  });

  it.each(['client_secret_basic', 'client_secret_post'])('invalid_client with %s, and after a rotation to another rejected secret', async (method) => {
    const into = produced();
    world.sandbox.tokenEndpoint.setClients([{ clientId: CANARY.client.clientId, clientSecret: 'what-the-server-expects-0000' }]);
    const handler = handlerOf(customerLookup, { CLIENT_AUTH_METHOD: method });

    expect(await invokeInto(into, handler, FOUND)).toBe('TOKEN_INVALID_CLIENT');
    world.sandbox.secretsManager.putSecret(SANDBOX_SECRET_ID, JSON.stringify({ ...CANARY.client, clientSecret: CANARY.rejectedClientSecret }));
    expect(await invokeInto(into, handlerOf(customerLookup, { CLIENT_AUTH_METHOD: method }), FOUND)).toBe('TOKEN_INVALID_CLIENT');

    // One token request per invocation: each refetched secret is the one just refused, so neither is retried.
    expect(world.sandbox.tokenEndpoint.requests).toBe(2);
    expectNoLeaks(into);
  });

  it('invalid_client, then the rotated secret is accepted on the retry', async () => {
    const into = produced();
    const rotated = { clientId: CANARY.client.clientId, clientSecret: CANARY.rotatedClientSecret };
    world.sandbox.tokenEndpoint.setClients([rotated]);
    // The secret is rotated while the first token request (with the old secret) is refused.
    const rotating = await recorder(
      respond(async (incoming) => {
        if (rotating.requests === 1) {
          world.sandbox.secretsManager.putSecret(SANDBOX_SECRET_ID, JSON.stringify(rotated));
          return json(401, { error: 'invalid_client' });
        }
        const headers = Object.fromEntries(['authorization', 'content-type', 'accept'].flatMap((name) => (typeof incoming.headers[name] === 'string' ? [[name, incoming.headers[name] as string]] : [])));
        const answer = await request(world.sandbox.tokenEndpoint.tokenUrl, { method: 'POST', headers, body: incoming.body });
        return { status: answer.statusCode, headers: { 'content-type': 'application/json' }, body: await answer.body.text() };
      }),
    );

    expect(await invokeInto(into, handlerOf(customerLookup, { TOKEN_URL: `${rotating.url}/oauth/token` }), FOUND)).toBe('ok');
    expect(rotating.requests).toBe(2);
    expectNoLeaks(into);
  });

  it('invalid_grant for a CXone access key, and invalid_client for the CXone and Genesys applications', async () => {
    const into = produced();
    world.sandbox.secretsManager.putSecret(
      SANDBOX_CXONE_SECRET_ID,
      JSON.stringify({ ...CANARY.cxone, ...CANARY.accessKey, accessKeySecret: CANARY.rejectedAccessKeySecret, tenantId: SANDBOX_CXONE_TENANT_ID }),
    );
    expect(await invokeInto(into, handlerOf(agentState), VALID_EVENTS.agentState)).toBe('TOKEN_INVALID_GRANT');
    world.cxoneToken.setClients([{ clientId: CANARY.cxone.clientId, clientSecret: 'other-0000' }]);
    expect(await invokeInto(into, handlerOf(agentState), VALID_EVENTS.agentState)).toBe('TOKEN_INVALID_CLIENT');
    world.sandbox.genesys.tokenEndpoint.setClients([{ clientId: CANARY.genesys.clientId, clientSecret: 'other-0000' }]);
    expect(await invokeInto(into, handlerOf(queueEstimatedWait), VALID_EVENTS.queueEstimatedWait)).toBe('TOKEN_INVALID_CLIENT');

    expectNoLeaks(into);
  });

  const echo = (request: LoopbackRequest) => `${String(request.headers.authorization)} ${request.body}`;

  it.each(['client_secret_basic', 'client_secret_post'])('a token endpoint answering an HTML page that echoes the request (%s)', async (method) => {
    const into = produced();
    const html = await recorder(
      respond((request) => ({
        status: request.url.pathname === '/ok-html' ? 200 : 400,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: `<html><body><h1>Sign in</h1><pre>${echo(request)}</pre></body></html>`,
      })),
    );

    expect(await invokeInto(into, handlerOf(customerLookup, { CLIENT_AUTH_METHOD: method, TOKEN_URL: `${html.url}/ok-html` }), FOUND)).toBe('TOKEN_INVALID_RESPONSE');
    expect(await invokeInto(into, handlerOf(customerLookup, { CLIENT_AUTH_METHOD: method, TOKEN_URL: `${html.url}/bad-html` }), FOUND)).toBe('TOKEN_REJECTED');

    expect(html.requests).toBe(2);
    expectNoLeaks(into);
  });

  it('a token endpoint answering 200 JSON that is not a token and echoes the request', async () => {
    const into = produced();
    const echoing = await recorder(respond((request) => json(200, { echo: echo(request), access_token: '', note: echo(request) })));

    expect(await invokeInto(into, handlerOf(customerLookup, { TOKEN_URL: `${echoing.url}/oauth/token` }), FOUND)).toBe('TOKEN_INVALID_RESPONSE');
    expectNoLeaks(into);
  });

  it('a token endpoint answering an RFC 6749 error whose descriptions echo the request', async () => {
    const into = produced();
    const echoing = await recorder(
      respond((request) => json(400, { error: 'invalid_request', error_description: echo(request), description: echo(request), errorDescription: echo(request) })),
    );

    expect(await invokeInto(into, handlerOf(customerLookup, { TOKEN_URL: `${echoing.url}/oauth/token` }), FOUND)).toBe('TOKEN_REJECTED');
    expectNoLeaks(into);
  });

  // lib/auth/tokenResponse.ts names an unknown OAuth `error` only when it is shaped like one: a
  // server that echoes the request there would put the Basic credentials into the error and the log.
  it('a token endpoint whose `error` field itself echoes the request does not get it into the error message', async () => {
    const into = produced();
    const echoing = await recorder(respond((request) => json(400, { error: `bad_request ${echo(request)}` })));

    expect(await invokeInto(into, handlerOf(customerLookup, { TOKEN_URL: `${echoing.url}/oauth/token` }), FOUND)).toBe('TOKEN_REJECTED');
    expect(into.errors).toStrictEqual([expect.objectContaining({ message: expect.stringContaining('an unrecognised OAuth error') })]);

    expectNoLeaks(into);
  });

  it('a hung token endpoint and a hung upstream (TIMEOUT)', async () => {
    const into = produced();
    const hungToken = await recorder(hang);
    const hungApi = await recorder(hang);

    expect(await invokeInto(into, handlerOf(customerLookup, { ACTION_TIMEOUT_MS: '700', TOKEN_URL: `${hungToken.url}/oauth/token` }), FOUND)).toBe('TIMEOUT');
    expect(await invokeInto(into, handlerOf(customerLookup, { ACTION_TIMEOUT_MS: '700', UPSTREAM_BASE_URL: hungApi.url }), FOUND)).toBe('TIMEOUT');

    expect(hungToken.requests).toBe(1);
    expect(hungApi.seen.map((seen) => seen.headers.authorization)).toStrictEqual([expect.stringMatching(/^Bearer /)]);
    expectNoLeaks(into);
  });

  it('Secrets Manager failures (access denied, throttling) with a canary AWS secret access key', async () => {
    const into = produced();
    world.sandbox.secretsManager.failWith({ type: 'AccessDeniedException', status: 400 });
    expect(await invokeInto(into, handlerOf(customerLookup), FOUND)).toBe('SECRET_ACCESS_DENIED');
    world.sandbox.secretsManager.failWith({ type: 'ThrottlingException', status: 400 });
    expect(await invokeInto(into, handlerOf(customerLookup, { ACTION_TIMEOUT_MS: '1500' }), FOUND)).toBe('SECRET_UNAVAILABLE');

    expectNoLeaks(into);
  });

  it('the HTTP front: 401 for missing, wrong and misdirected credentials; 200 with each API key and an HMAC signature, also resent', async () => {
    const into = produced();
    const handler = createHttpHandler(ACTIONS, world.env);
    const post = async (action: string, headers: Record<string, string>, body: string) => {
      const answer = await handler(httpEvent({ path: `/actions/${action}`, headers: { 'content-type': 'application/json', ...headers }, body, requestId: randomUUID() }), createLambdaContext('http'));
      into.http.push(answer);
      return answer.statusCode;
    };
    const signed = (key: string, body: string, action = 'customerLookup') => signedHeaders(key, body, undefined, `/actions/${action}`);
    const body = (action: string) => JSON.stringify(VALID_EVENTS[action]);

    expect(await post('customerLookup', {}, body('customerLookup'))).toBe(401);
    expect(await post('customerLookup', { authorization: `Bearer ${CANARY.wrongApiKey}` }, body('customerLookup'))).toBe(401);
    expect(await post('customerLookup', { 'x-api-key': CANARY.wrongApiKey }, body('customerLookup'))).toBe(401);
    expect(await post('customerLookup', signed(CANARY.wrongHmacKey, body('customerLookup')), body('customerLookup'))).toBe(401);
    expect(await post('customerLookup', signed(CANARY.hmacKey, body('customerLookup'), 'agentState'), body('customerLookup'))).toBe(401);
    expect(await post('customerLookup', { authorization: `Bearer ${CANARY.apiKeys[0]}` }, body('customerLookup'))).toBe(200);
    expect(await post('queueEstimatedWait', { 'x-api-key': CANARY.apiKeys[1] }, body('queueEstimatedWait'))).toBe(200);
    const signature = signed(CANARY.hmacKey, body('agentState'), 'agentState');
    expect(await post('agentState', signature, body('agentState'))).toBe(200);
    // Presented again inside the window (a platform's retry), it is still valid.
    expect(await post('agentState', signature, body('agentState'))).toBe(200);
    expect(await post('customerLookup', { authorization: `Bearer ${CANARY.apiKeys[0]}` }, '{"phoneNumber": 5}')).toBe(400);

    expect(tokensSeen().length).toBeGreaterThanOrEqual(3);
    expectNoLeaks(into);
  });

  it('finds a planted canary in a log line, an error cause, an output and an HTTP answer (so a clean scan means something)', async () => {
    const into = produced();
    await invokeInto(into, handlerOf(customerLookup), FOUND);
    const [token] = tokensSeen();

    logger.warn({ detail: `x${formUrlEncode(CANARY.genesys.clientSecret)}x` }, 'planted');
    into.errors.push(new Error('outer', { cause: new Error(`inner ${CANARY.hmacKey}`) }));
    into.outputs.push({ value: token });
    into.http.push({ statusCode: 200, body: JSON.stringify({ key: CANARY.apiKeys[1] }) });

    expect(findLeaks(haystacksOf(into), canaryNeedles(), ISSUED_TOKEN)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^log line \d+ contains the form-encoded Genesys client secret$/),
        expect.stringMatching(/^error \d+ .*contains the HTTP HMAC key$/),
        expect.stringMatching(/^output \d+ contains the access token #0$/),
        expect.stringMatching(/^HTTP answer \d+ contains the HTTP API key #1$/),
      ]),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// TLS, plain http:// and redirects

describe('certificate verification', () => {
  let certificate: SelfSignedCertificate;
  let https: HttpsStandIn;

  beforeAll(async () => {
    certificate = await createSelfSignedCertificate();
  }, 30_000);

  afterAll(async () => {
    await certificate.remove();
  });

  beforeEach(async () => {
    https = await startHttpsStandIn(certificate);
  });

  afterEach(async () => {
    await https.close();
  });

  it('is not switched off for this process', () => {
    expect(process.env.NODE_TLS_REJECT_UNAUTHORIZED).not.toBe('0');
  });

  it('the HTTPS stand-in works for a client that trusts its certificate, and a default agent refuses it', async () => {
    const trusting = new Agent({ connect: { ca: certificate.cert } });
    const answer = await request(`${https.url}/oauth/token`, { method: 'POST', dispatcher: trusting });
    expect(await answer.body.json()).toMatchObject({ access_token: 'tls-at-0000' });
    await trusting.close();

    const bridgeAgent = createHttpAgent();
    await expect(request(`${https.url}/oauth/token`, { method: 'POST', dispatcher: bridgeAgent })).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    await bridgeAgent.close();
  });

  it('refuses a token endpoint with a self-signed certificate: TOKEN_UNAVAILABLE naming the certificate error, nothing sent', async () => {
    const handler = handlerOf(customerLookup, { TOKEN_URL: `${https.url}/oauth/token` });

    const failure = handler(FOUND, createLambdaContext('tls'));

    await expect(failure).rejects.toMatchObject({ code: 'TOKEN_UNAVAILABLE', message: expect.stringMatching(/CERT|certificate|TLS|SSL/) });
    expect(https.requests).toStrictEqual([]);
    expect(https.secureConnections).toBe(0);
    expect(world.sandbox.customerApi.requests).toBe(0);
  });

  it('refuses an upstream API with a self-signed certificate: the bearer token is never sent to it', async () => {
    const handler = handlerOf(customerLookup, { UPSTREAM_BASE_URL: https.url });

    await expect(handler(FOUND, createLambdaContext('tls'))).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', message: expect.stringMatching(/CERT|certificate|TLS|SSL/) });
    expect(world.sandbox.tokenEndpoint.requests).toBe(1);
    expect(https.requests).toStrictEqual([]);
    expect(https.secureConnections).toBe(0);
  });

  it('doctor reports TLS_FAILURE for the self-signed token endpoint and sends it nothing', async () => {
    const agent = createHttpAgent();
    const report = await runDoctor({
      platform: 'oauth2',
      tokenUrl: `${https.url}/oauth/token`,
      cxoneIssuer: CXONE_DEFAULT_ISSUER,
      authMethod: 'client_secret_basic',
      secret: { source: 'canary', secretString: JSON.stringify(CANARY.client) },
      timeoutMs: 3_000,
      agent,
    });
    await agent.close();

    expect(report.steps.flatMap((step) => step.findings.map((finding) => finding.cause))).toContain('TLS_FAILURE');
    expect(report.tokenObtained).toBe(false);
    expect(https.requests).toStrictEqual([]);
    expect(findLeaks([['doctor report', JSON.stringify(report)]], canaryNeedles())).toStrictEqual([]);
  });
});

describe('plain http:// for non-loopback hosts', () => {
  /** 0.0.0.0 is not a loopback address to the bridge, yet on Linux it connects to this host: a trap that records what a bug would send. */
  async function trap(): Promise<{ server: FaultyServer; url: string }> {
    const server = await recorder(jsonReply(200, { access_token: 'trap-at-0000', token_type: 'Bearer', expires_in: 3600, data: [] }));
    return { server, url: server.url.replace('127.0.0.1', '0.0.0.0') };
  }

  const nothingSent = () => ({ secret: 0, discovery: 0, token: 0, upstream: 0 });

  it.each(['TOKEN_URL', 'UPSTREAM_BASE_URL'])('refuses %s=http://0.0.0.0:… with CONFIG_INVALID naming it, before any request', async (variable) => {
    const { server, url } = await trap();
    const handler = handlerOf(customerLookup, { [variable]: variable === 'TOKEN_URL' ? `${url}/oauth/token` : url });

    await expect(handler(FOUND, createLambdaContext('config'))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(variable) });
    expect(server.requests).toBe(0);
    expect(world.sandbox.counts()).toStrictEqual(nothingSent());
  });

  it('refuses CXONE_ISSUER=http://0.0.0.0:… for agentState with CONFIG_INVALID', async () => {
    const { server, url } = await trap();
    const handler = handlerOf(agentState, { AGENT_STATE__CXONE_ISSUER: url });

    await expect(handler(VALID_EVENTS.agentState, createLambdaContext('config'))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('CXONE_ISSUER') });
    expect(server.requests).toBe(0);
    expect(world.sandbox.counts()).toStrictEqual(nothingSent());
  });

  it('refuses a token endpoint or an API endpoint learned from CXone discovery that is plain http:// to a non-loopback host', async () => {
    const { server: trapServer, url: trapUrl } = await trap();
    const issuer = await recorder(
      respond((request) =>
        request.url.pathname === '/.well-known/openid-configuration'
          ? json(200, { issuer: `http://${String(request.headers.host)}`, token_endpoint: world.cxoneToken.tokenUrl })
          : json(200, { api_endpoint: trapUrl }),
      ),
    );
    const trapIssuer = await recorder(jsonReply(200, { issuer: 'x', token_endpoint: `${trapUrl}/auth/token` }));

    await expect(handlerOf(agentState, { AGENT_STATE__CXONE_ISSUER: trapIssuer.url })(VALID_EVENTS.agentState, createLambdaContext('cxone'))).rejects.toMatchObject({
      code: 'TOKEN_INVALID_RESPONSE',
      message: expect.stringContaining('token_endpoint'),
    });
    await expect(handlerOf(agentState, { AGENT_STATE__CXONE_ISSUER: issuer.url })(VALID_EVENTS.agentState, createLambdaContext('cxone'))).rejects.toMatchObject({
      code: 'UPSTREAM_INVALID_RESPONSE',
      message: expect.stringContaining('api_endpoint'),
    });
    expect(world.cxoneToken.requests).toBe(1);
    expect(trapServer.requests).toBe(0);
  });

  const REFUSED = [
    'http://login.example.com/oauth/token',
    'HTTP://LOGIN.EXAMPLE.COM/oauth/token',
    'http://localhost.example.com/oauth/token',
    'http://127.0.0.1.nip.io/oauth/token',
    'http://0.0.0.0/oauth/token',
    'http://10.0.0.1/oauth/token',
    'http://169.254.169.254/latest/meta-data',
    'http://localhost./oauth/token',
    'ftp://login.example.com/oauth/token',
    'ws://login.example.com/oauth/token',
    'login.example.com/oauth/token',
  ];
  const ALLOWED = ['https://login.example.com/oauth/token', 'http://127.0.0.1:8080/oauth/token', 'http://127.9.8.7/oauth/token', 'http://localhost:8080/oauth/token', 'http://[::1]:8080/oauth/token'];
  const environment = (variable: string, url: string) => ({
    SECRET_ID: 'x',
    AUTH_PLATFORM: variable === 'CXONE_ISSUER' ? 'nice-cxone' : 'oauth2',
    ...(variable !== 'TOKEN_URL' && variable !== 'CXONE_ISSUER' && { TOKEN_URL: 'https://login.example.com/oauth/token' }),
    [variable]: url,
  });

  it.each(['TOKEN_URL', 'UPSTREAM_BASE_URL', 'CXONE_ISSUER'].flatMap((variable) => REFUSED.map((url) => [variable, url])))('configuration refuses %s=%s (CONFIG_INVALID naming it)', (variable, url) => {
    expect(() => loadConfig(environment(variable, url))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(variable) }));
  });

  it.each(['TOKEN_URL', 'UPSTREAM_BASE_URL', 'CXONE_ISSUER'].flatMap((variable) => ALLOWED.map((url) => [variable, url])))('configuration accepts %s=%s', (variable, url) => {
    expect(() => loadConfig(environment(variable, url))).not.toThrow();
  });
});

describe('redirects', () => {
  async function redirectTo(status: number, target: FaultyServer): Promise<FaultyServer> {
    return recorder(
      respond((request) => ({ status, headers: { location: `${target.url}${request.url.pathname}${request.url.search}`, 'x-request-id': 'redirect-req-7' }, body: '' })),
    );
  }

  it.each([301, 302, 303, 307, 308])('an upstream answering %i to another loopback origin: UPSTREAM_ERROR naming the status and correlation id, and that origin receives nothing', async (status) => {
    const other = await recorder(jsonReply(200, { data: [] }));
    const redirecting = await redirectTo(status, other);

    const failure = handlerOf(customerLookup, { UPSTREAM_BASE_URL: redirecting.url })(FOUND, createLambdaContext('redirect'));

    await expect(failure).rejects.toBeInstanceOf(BridgeError);
    await expect(failure).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', status, message: expect.stringContaining(`(HTTP ${status}, correlation id redirect-req-7)`) });
    expect(redirecting.seen.map((seen) => seen.headers.authorization)).toStrictEqual([expect.stringMatching(/^Bearer /)]);
    expect(other.requests).toBe(0);
  });

  it.each([301, 302, 307, 308])('a token endpoint answering %i to another loopback origin: an error, and the client credentials stay with the configured origin', async (status) => {
    const other = await recorder(jsonReply(200, { access_token: 'other-at-0000', token_type: 'Bearer', expires_in: 3600 }));
    const redirecting = await redirectTo(status, other);

    const failure = handlerOf(customerLookup, { TOKEN_URL: `${redirecting.url}/oauth/token` })(FOUND, createLambdaContext('redirect'));

    await expect(failure).rejects.toMatchObject({ code: 'TOKEN_REJECTED', status, message: expect.stringContaining(`HTTP ${status}`) });
    expect(redirecting.requests).toBe(1);
    expect(other.requests).toBe(0);
    expect(world.sandbox.customerApi.requests).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// SecretText, credentials and the logger

describe('SecretText never prints its value', () => {
  const value = CANARY.client.clientSecret;
  const secret = new SecretText(value);
  const renderings = (subject: unknown): Record<string, string> => ({
    'String()': String(subject),
    'template literal': `${subject as string}`,
    concatenation: `x${subject as string}`,
    'JSON.stringify': JSON.stringify(subject),
    'JSON.stringify, nested': JSON.stringify({ a: [subject, { b: subject }] }),
    'util.inspect': inspect(subject),
    'util.inspect, showHidden, deep': inspect({ a: { b: subject } }, { showHidden: true, depth: 10, getters: true }),
    "util.format('%s %o %O %j %d %i')": format('%s %o %O %j %d %i', subject, subject, subject, subject, subject, subject),
    'console.log formatting': format(subject, subject),
    'array join': [subject].join(','),
    'Object.entries': JSON.stringify(Object.entries(subject as object)),
    spread: inspect({ ...(subject as object) }, { showHidden: true }),
    'Object.assign': JSON.stringify(Object.assign({}, subject)),
    'Reflect.ownKeys': JSON.stringify(Reflect.ownKeys(subject as object).map((key) => String(key))),
    structuredClone: safeClone(subject),
  });

  function safeClone(subject: unknown): string {
    try {
      return inspect(structuredClone(subject), { showHidden: true, depth: 10 });
    } catch (error) {
      return (error as Error).name;
    }
  }

  it.each(Object.keys(renderings(secret)))('through %s', (how) => {
    expect(renderings(secret)[how]).not.toContain(value);
  });

  it('prints exactly [redacted] through String(), a template literal and concatenation', () => {
    expect([String(secret), `${secret}`, `x${secret}`.slice(1)]).toStrictEqual(['[redacted]', '[redacted]', '[redacted]']);
  });

  it('prints exactly [redacted] through JSON.stringify, alone and inside objects', () => {
    expect(JSON.stringify(secret)).toBe('"[redacted]"');
    expect(JSON.stringify({ clientSecret: secret, nested: [secret] })).toBe('{"clientSecret":"[redacted]","nested":["[redacted]"]}');
  });

  it('shows [redacted] through util.inspect and util.format', () => {
    for (const text of [inspect(secret), inspect({ secret }, { showHidden: true, depth: 5 }), format('%s %o %O %j', secret, secret, secret, secret)]) {
      expect(text).toContain('[redacted]');
      expect(text).not.toContain(value);
    }
  });

  it('has no enumerable field holding the value', () => {
    expect(Object.keys(secret)).toStrictEqual([]);
    expect(Object.values({ ...secret })).toStrictEqual([]);
  });

  it('gives the value up only through reveal(), and compares without revealing', () => {
    expect(secret.reveal()).toBe(value);
    expect(secret.equals(new SecretText(value))).toBe(true);
    expect(secret.fingerprint()).not.toContain(value.slice(0, 6));
  });

  it('identifies a value by its length and the first 8 hex digits of its SHA-256', () => {
    const sha256 = createHash('sha256').update(value).digest('hex');

    expect(secret.fingerprint()).toBe(`len=${value.length} sha256=${sha256.slice(0, 8)}`);
  });

  it.each([
    ['client credentials, basic', JSON.stringify({ ...CANARY.client, clientSecret: ` ${CANARY.client.clientSecret}\n` })],
    ['CXone access key', JSON.stringify({ ...CANARY.cxone, ...CANARY.accessKey, tenantId: 't-1' })],
  ])('a Credentials object (%s) prints no secret through any rendering, its entries or a spread', (_case, secretString) => {
    const { credentials } = parseCredentials({ secretString, versionId: 'v1', fetchedAtMs: 0, generation: 1 }, 'canary-secret');
    const everything = [
      ...Object.values(renderings(credentials)),
      ...Object.entries(credentials).map(([key, item]) => `${key}=${String(item)} ${JSON.stringify(item)} ${inspect(item)}`),
      ...Object.values({ ...credentials }).map((item) => format('%s %o %j', item, item, item)),
    ].join('\n');

    for (const secretValue of [CANARY.client.clientSecret, CANARY.cxone.clientSecret, CANARY.accessKey.accessKeySecret]) expect(everything).not.toContain(secretValue);
  });
});

describe('logger redaction', () => {
  const SENSITIVE_KEYS = [
    'authorization',
    'Authorization',
    'proxy-authorization',
    'client_secret',
    'clientSecret',
    'access_token',
    'accessToken',
    'refresh_token',
    'password',
    'accessKeySecret',
    'SecretString',
    'x-api-key',
    'apiKeys',
    'cookie',
  ];

  /** `{ [key]: value }` wrapped in `depth` levels of objects and arrays. */
  function nestedUnder(depth: number, key: string, value: string): Record<string, unknown> {
    let object: Record<string, unknown> = { [key]: value };
    for (let level = 0; level < depth; level++) object = level % 2 === 0 ? { level: object } : { level: [object] };
    return object;
  }

  it.each(SENSITIVE_KEYS.flatMap((key) => [0, 1, 2, 3].map((depth) => [key, depth] as const)))('redacts %s at depth %i', (key, depth) => {
    const planted = `PLANTED-${key}-${depth}`;

    logger.info({ event: 'test', ...nestedUnder(depth, key, planted) }, 'redaction');

    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0]).not.toContain(planted);
    expect(logs.lines[0]).toContain('[redacted]');
  });

  // lib/base/logger.ts walks every level, not fixed pino paths.
  it.each([4, 5, 8, 16, 64])('also redacts at depth %i', (depth) => {
    logger.info({ event: 'test', ...nestedUnder(depth, 'authorization', 'PLANTED-DEEP') }, 'redaction');

    expect(logs.lines[0]).not.toContain('PLANTED-DEEP');
  });

  it('redacts SecretText values under any key, and cuts cycles', () => {
    const cyclic: Record<string, unknown> = { token: new SecretText('PLANTED-SECRET-TEXT') };
    cyclic.self = cyclic;

    logger.info({ event: 'test', cyclic }, 'redaction');

    expect(logs.lines[0]).not.toContain('PLANTED-SECRET-TEXT');
  });

  it('redacts sensitive keys inside an object that has its own toJSON', () => {
    logger.info({ event: 'test', wrapped: { toJSON: () => ({ authorization: 'PLANTED-TOJSON' }) } }, 'redaction');

    expect(logs.lines[0]).not.toContain('PLANTED-TOJSON');
  });

  it('redacts hyphenated spellings (client-secret, access-token, refresh-token)', () => {
    logger.info({ event: 'test', 'client-secret': 'PLANTED-H1', 'access-token': 'PLANTED-H2', 'refresh-token': 'PLANTED-H3' }, 'redaction');

    expect(logs.lines[0]).not.toMatch(/PLANTED-H\d/);
  });

  it('redacts header values given as [name, value] pairs', () => {
    logger.info({ event: 'test', rawHeaders: [['authorization', 'Bearer PLANTED-PAIR']] }, 'redaction');

    expect(logs.lines[0]).not.toContain('PLANTED-PAIR');
  });
});

// ---------------------------------------------------------------------------------------------
// The deployable package

describe('the packaged functions (serverless package)', () => {
  let packaged: PackagedService;

  beforeAll(async () => {
    packaged = await packageService();
  }, PACKAGE_TIMEOUT_MS);

  afterAll(async () => {
    await packaged?.remove();
  });

  const SANDBOX_SECRETS: Needle[] = [
    ...[SANDBOX_CLIENT, SANDBOX_GENESYS_CLIENT, SANDBOX_CXONE_CLIENT].flatMap(({ clientId, clientSecret }) => [...formsOf(`sandbox secret of ${clientId}`, clientSecret), ...basicFormsOf(clientId, clientId, clientSecret)]),
    ...formsOf('sandbox CXone access key secret', SANDBOX_CXONE_ACCESS_KEY.accessKeySecret),
    ...[...SANDBOX_HTTP_KEYS.apiKeys, ...SANDBOX_HTTP_KEYS.hmacKeys].flatMap((key, index) => formsOf(`sandbox HTTP key #${index}`, key)),
    ['sandbox token prefix', 'sandbox-at-'],
    ...Object.values(CANARY)
      .flatMap((item) => (typeof item === 'string' ? [item] : Array.isArray(item) ? item : Object.values(item)))
      .filter((item) => item.startsWith('CANARY'))
      .map((item): Needle => ['test canary', item]),
  ];

  type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
  // As this deploy (default params) creates them: Fn::If resolved by the template's conditions.
  const resources = () => Object.entries(resolveIfs(packaged.template.Resources ?? {}, evaluateConditions(packaged.template)) as Record<string, Resource>);

  it('packages one zip per function, each under 2 MB', () => {
    const sizes = packaged.functions.map(({ zip, zipBytes }) => ({ zip, kilobytes: Math.round(zipBytes / 1024), underTwoMegabytes: zipBytes < 2 * 1024 * 1024 }));

    expect(sizes.map(({ zip }) => zip)).toStrictEqual([...ACTIONS.flatMap(({ name }) => [`${name}.zip`, `${name}Doctor.zip`]), 'http.zip'].sort());
    expect(sizes.map(({ zip }) => zip)).toEqual(expect.arrayContaining(['agentState.zip', 'customerLookup.zip', 'http.zip', 'queueEstimatedWait.zip']));
    expect(sizes).toStrictEqual(sizes.map((size) => ({ ...size, underTwoMegabytes: true })));
  });

  it('holds no sandbox secret, key, test canary or token prefix in any bundled file, template or state file', () => {
    const haystacks: Haystack[] = [
      ...packaged.functions.flatMap(({ zip, files }) => files.map(({ name, text }): Haystack => [`${zip}:${name}`, text])),
      ['cloudformation-template-update-stack.json', packaged.templateText],
      ...packaged.otherTexts.map(({ name, text }): Haystack => [name, text]),
    ];

    expect(haystacks.length).toBeGreaterThanOrEqual(6);
    expect(findLeaks(haystacks, SANDBOX_SECRETS)).toStrictEqual([]);
  });

  it("bundles no switch that turns certificate verification off, but in the production doctor's handshake probe, which sends nothing over the connection", () => {
    const switches = (files: Array<{ text: string }>) => files.reduce((count, { text }) => count + (text.match(/rejectUnauthorized\s*:\s*(false|!1|0)\b/g) ?? []).length, 0);
    const counts = Object.fromEntries(packaged.functions.map(({ zip, files }) => [zip, switches(files)]));

    // lib/doctor/production/networkPath.ts reads the certificate an untrusted server presents, then closes the socket; requests verify.
    expect(counts).toStrictEqual(Object.fromEntries(packaged.functions.map(({ zip }) => [zip, zip.endsWith('Doctor.zip') ? 1 : 0])));
  });

  it('gives the functions only names of secrets and plain settings in their environment', () => {
    const functions = resources().filter(([, resource]) => resource.Type === 'AWS::Lambda::Function');
    // Each action's function and its production doctor, and the HTTPS front.
    expect(functions.length).toBe(2 * ACTIONS.length + 1);
    const ALLOWED_SENSITIVE_NAMES = /(^|__)(SECRET_ID|HTTP_AUTH_SECRET_ID|TOKEN_URL|TOKEN_EXTRA_PARAMS|SECRET_TTL_SECONDS|SECRET_STALE_SECONDS|TOKEN_RATE_LIMIT_PER_MINUTE|TOKEN_POOL_SIZE)$/;
    const KEY_LIKE = /[A-Za-z0-9+/=_-]{24,}/g;
    const problems: string[] = [];
    for (const [logicalId, resource] of functions) {
      const variables = ((resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
      for (const [name, value] of Object.entries(variables)) {
        if (typeof value !== 'string') problems.push(`${logicalId} ${name} is not a plain string`);
        const text = String(value);
        if (/SECRET|PASSWORD|KEY|TOKEN|CREDENTIAL|HMAC/i.test(name) && !ALLOWED_SENSITIVE_NAMES.test(name)) problems.push(`${logicalId} has a variable named ${name}`);
        if (/^NODE_TLS_REJECT_UNAUTHORIZED$|^NODE_EXTRA_CA_CERTS$/.test(name)) problems.push(`${logicalId} sets ${name}`);
        if (/SECRET_ID$/.test(name) && !/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(text)) problems.push(`${logicalId} ${name} does not look like a secret name`);
        if (text.length > 256) problems.push(`${logicalId} ${name} is ${text.length} characters long`);
        const keyLike = (text.match(KEY_LIKE) ?? []).filter((run) => /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run));
        if (keyLike.length > 0 && !/^https:\/\//.test(text)) problems.push(`${logicalId} ${name} holds something that looks like a key`);
      }
    }

    expect(problems).toStrictEqual([]);
  });

  it("gives each function a role that reads only its own secrets (GetSecretValue on …:secret:<name>-??????; an action's role, which its doctor shares, also DescribeSecret on the same), besides writing its logs", () => {
    const SECRET_ARN = /^arn:\$\{AWS::Partition\}:secretsmanager:\$\{AWS::Region\}:\$\{AWS::AccountId\}:secret:[A-Za-z0-9/_+=.@-]+-\?{6}$/;
    const arnOf = (resource: unknown) => (typeof resource === 'string' ? resource : ((resource as { 'Fn::Sub'?: unknown })['Fn::Sub'] as string | undefined) ?? JSON.stringify(resource));
    const list = (value: unknown) => (Array.isArray(value) ? value : [value]);
    // The functions' own roles; the role Genesys Cloud assumes to invoke them is checked in deployTemplate.test.ts.
    const trustsLambda = (resource: Resource) => JSON.stringify(resource.Properties.AssumeRolePolicyDocument).includes('lambda.amazonaws.com');
    const roles = resources().filter(([, resource]) => resource.Type === 'AWS::IAM::Role' && trustsLambda(resource));
    const problems: string[] = [];
    const secretsOf: Record<string, string[]> = {};
    const describedOf: Record<string, string[]> = {};

    for (const [logicalId, role] of roles) {
      if (role.Properties.ManagedPolicyArns !== undefined) problems.push(`${logicalId} attaches managed policies`);
      // An entry under a false condition is { Ref: 'AWS::NoValue' }: CloudFormation leaves it out (the VPC one, tools/codegen/vpc.ts).
      const policies = ((role.Properties.Policies ?? []) as Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>).filter((policy) => JSON.stringify(policy) !== '{"Ref":"AWS::NoValue"}');
      const statements = policies.flatMap((policy) => policy.PolicyDocument.Statement);
      for (const statement of statements) {
        const actions = list(statement.Action) as string[];
        const arns = list(statement.Resource).map(arnOf);
        if (statement.Effect !== 'Allow' || statement.NotAction || statement.NotResource) problems.push(`${logicalId}: an unusual statement ${JSON.stringify(statement)}`);
        if (actions.every((action) => /^logs:(CreateLogStream|CreateLogGroup|TagResource|PutLogEvents)$/.test(action))) {
          if (!arns.every((arn) => arn.includes(':log-group:/aws/lambda/'))) problems.push(`${logicalId}: logs actions on ${arns.join(', ')}`);
          continue;
        }
        if (actions.length !== 1 || !/^secretsmanager:(GetSecretValue|DescribeSecret)$/.test(actions[0]!)) problems.push(`${logicalId}: actions ${actions.join(', ')}`);
        for (const arn of arns) if (arn === '*' || !SECRET_ARN.test(arn)) problems.push(`${logicalId}: resource ${arn}`);
        const secrets = arns.map((arn) => arn.replace(/^.*:secret:/, ''));
        if (actions[0] === 'secretsmanager:DescribeSecret') describedOf[logicalId] = [...(describedOf[logicalId] ?? []), ...secrets];
        else secretsOf[logicalId] = [...(secretsOf[logicalId] ?? []), ...secrets];
      }
    }
    // The optional KMS grant: only kms:Decrypt, only through Secrets Manager, only when a key is configured.
    for (const [logicalId, policy] of resources().filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      if (!policy.Condition) problems.push(`${logicalId} is not conditional`);
      for (const statement of statements) {
        if (JSON.stringify(list(statement.Action)) !== '["kms:Decrypt"]') problems.push(`${logicalId}: actions ${JSON.stringify(statement.Action)}`);
        if (list(statement.Resource).some((resource) => resource === '*')) problems.push(`${logicalId}: resource *`);
        if (!JSON.stringify(statement.Condition ?? {}).includes('kms:ViaService')) problems.push(`${logicalId}: no kms:ViaService condition`);
      }
    }

    expect(problems).toStrictEqual([]);
    // Each action reads its platform's secret (serverless.yml's default secret names); the HTTPS front all of them and its callers' keys.
    const SECRET_OF_PLATFORM: Record<string, string> = { oauth2: 'data-action-bridge/oauth-??????', 'genesys-cloud': 'data-action-bridge/genesys-??????', 'nice-cxone': 'data-action-bridge/cxone-??????' };
    const secretOf = (action: AnyAction) => SECRET_OF_PLATFORM[action.platform ?? 'oauth2']!;
    expect(secretsOf).toStrictEqual({
      ...Object.fromEntries(ACTIONS.map((action) => [`${action.name[0]!.toUpperCase()}${action.name.slice(1)}Role`, [secretOf(action)]])),
      HttpRole: [...new Set(ACTIONS.map(secretOf)), 'data-action-bridge/http-callers-??????'],
    });
    expect(secretsOf).toMatchObject({ CustomerLookupRole: [SECRET_OF_PLATFORM.oauth2], QueueEstimatedWaitRole: [SECRET_OF_PLATFORM['genesys-cloud']], AgentStateRole: [SECRET_OF_PLATFORM['nice-cxone']] });
    // DescribeSecret: the action roles only (their doctors read the version stages), on the secret they read, not the HTTPS front's.
    expect(describedOf).toStrictEqual(Object.fromEntries(ACTIONS.map((action) => [`${action.name[0]!.toUpperCase()}${action.name.slice(1)}Role`, [secretOf(action)]])));
  });
});
