import type { Credentials } from '../../lib/auth/credentials';
import type { HttpResponse } from '../../lib/http/http';
import { basicAuthorization, formUrlEncode, formUrlEncodeBody } from '../../lib/auth/formEncoding';
import { expirySkewMs } from '../../lib/auth/tokenCache';
import { buildTokenRequest, type TokenRequestSettings } from '../../lib/auth/tokenRequest';
import { parseTokenResponse } from '../../lib/auth/tokenResponse';
import { SecretText } from '../../lib/base/secretText';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { thrownBy } from '../support/bridge';

/** The token request and response, byte for byte and without a network (STYLE §5). */

let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
});

function credentials(clientId: string, clientSecret: string, extra: Partial<Credentials> = {}): Credentials {
  return { clientId: new SecretText(clientId), clientSecret: new SecretText(clientSecret), extra: {}, generation: 1, ...extra };
}

function response(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, body: text, bodyBytes: Buffer.byteLength(text) };
}

function basicUserAndPassword(header: string | undefined): [string, string] {
  if (!header?.startsWith('Basic ')) throw new Error(`expected a Basic header, got ${String(header)}`);
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

describe('form encoding (RFC 6749 §2.3.1, Appendix B)', () => {
  it('leaves the unreserved characters A-Z a-z 0-9 - _ . ~ as they are', () => {
    const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~';

    expect(formUrlEncode(unreserved)).toBe(unreserved);
  });

  it.each([
    ['+', '%2B'],
    ['/', '%2F'],
    ['=', '%3D'],
    [':', '%3A'],
    ['%', '%25'],
    ['@', '%40'],
    ['&', '%26'],
    ['!', '%21'],
    ["'", '%27'],
    ['(', '%28'],
    [')', '%29'],
    ['*', '%2A'],
    ['ü', '%C3%BC'],
    ['€', '%E2%82%AC'],
    ['😀', '%F0%9F%98%80'],
  ])('percent-encodes %j as UTF-8 (%s)', (char, encoded) => {
    expect(formUrlEncode(char)).toBe(encoded);
  });

  it('encodes a space so that a form decoder reads it back as a space', () => {
    const encoded = formUrlEncode(' ');

    expect(['%20', '+']).toContain(encoded);
  });

  it('encodes the Appendix B example " %&+£€"', () => {
    expect(formUrlEncode(' %&+£€')).toMatch(/^(?:%20|\+)%25%26%2B%C2%A3%E2%82%AC$/);
  });

  it('round-trips through a form decoder', () => {
    const value = 'sandbox+secret/with=special:chars%~ü @&?#';

    expect(new URLSearchParams(`v=${formUrlEncode(value)}`).get('v')).toBe(value);
  });

  it('joins encoded names and values into a form body', () => {
    expect(formUrlEncodeBody({ grant_type: 'client_credentials', scope: 'a:b c' })).toMatch(/^grant_type=client_credentials&scope=a%3Ab(?:%20|\+)c$/);
  });

  it('builds the Basic header of the RFC 6749 §2.3.1 example', () => {
    expect(basicAuthorization('s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw')).toBe('Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3');
  });

  it('builds the Basic header from the form-encoded id and secret', () => {
    const header = basicAuthorization('sandbox-client', 'sandbox+secret/with=special:chars%~ü');

    expect(header).toBe('Basic c2FuZGJveC1jbGllbnQ6c2FuZGJveCUyQnNlY3JldCUyRndpdGglM0RzcGVjaWFsJTNBY2hhcnMlMjV+JUMzJUJD');
  });

  it('keeps a colon in the client id out of the user/password separator', () => {
    const [user, password] = basicUserAndPassword(basicAuthorization('tenant:client', 'pa:ss'));

    expect([user, password]).toStrictEqual(['tenant%3Aclient', 'pa%3Ass']);
  });
});

describe('token request', () => {
  const basic: TokenRequestSettings = { tokenUrl: 'https://auth.example.com/oauth/token', grant: 'client_credentials', authMethod: 'client_secret_basic' };
  const post: TokenRequestSettings = { ...basic, authMethod: 'client_secret_post' };

  it('client_secret_basic: credentials in the Authorization header, none in the body', () => {
    const built = buildTokenRequest(basic, credentials('my-client', 'my+secret'));

    expect(built.url.href).toBe('https://auth.example.com/oauth/token');
    expect(built.headers).toStrictEqual({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: basicAuthorization('my-client', 'my+secret'),
    });
    expect(built.body).toBe('grant_type=client_credentials');
  });

  it('client_secret_post: credentials in the form body, no Authorization header', () => {
    const built = buildTokenRequest(post, credentials('my-client', 'my+secret/='));

    expect(built.headers).not.toHaveProperty('authorization');
    const form = new URLSearchParams(built.body);
    expect(Object.fromEntries(form)).toStrictEqual({ grant_type: 'client_credentials', client_id: 'my-client', client_secret: 'my+secret/=' });
    expect(built.body).toContain('client_secret=my%2Bsecret%2F%3D');
  });

  it('sends the scope when one is configured', () => {
    const built = buildTokenRequest({ ...basic, scope: 'customers:read orders:read' }, credentials('id', 'secret'));

    expect(new URLSearchParams(built.body).get('scope')).toBe('customers:read orders:read');
  });

  it('sends no scope when none is configured', () => {
    expect(new URLSearchParams(buildTokenRequest(basic, credentials('id', 'secret')).body).has('scope')).toBe(false);
  });

  it('sends the access key as username and password for the password grant', () => {
    const creds = credentials('app', 'app-secret', { accessKeyId: new SecretText('AK1'), accessKeySecret: new SecretText('AS+1') });

    const built = buildTokenRequest({ ...basic, grant: 'password' }, creds);

    expect(Object.fromEntries(new URLSearchParams(built.body))).toStrictEqual({ grant_type: 'password', username: 'AK1', password: 'AS+1' });
    expect(built.headers.authorization).toBe(basicAuthorization('app', 'app-secret'));
  });

  it('rejects the password grant without an access key, with SECRET_INVALID', () => {
    expect(thrownBy(() => buildTokenRequest({ ...basic, grant: 'password' }, credentials('app', 'secret')))).toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining('accessKeyId and accessKeySecret'),
    });
  });
});

describe('token response', () => {
  it('accepts a bearer token with its lifetime', () => {
    const issued = parseTokenResponse(response(200, { access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }));

    expect(issued.accessToken.reveal()).toBe('at-1');
    expect(issued).toMatchObject({ expiresInSeconds: 3600, lifetimeAssumed: false });
  });

  it.each(['bearer', 'BEARER', 'bEaReR'])('reads token_type %j as bearer, whatever its case', (tokenType) => {
    expect(parseTokenResponse(response(200, { access_token: 'at', token_type: tokenType, expires_in: 60 })).accessToken.reveal()).toBe('at');
  });

  it('takes an absent token_type as bearer', () => {
    expect(parseTokenResponse(response(200, { access_token: 'at', expires_in: 60 })).accessToken.reveal()).toBe('at');
  });

  it.each(['mac', 'DPoP', ''])('rejects token_type %j with TOKEN_INVALID_RESPONSE', (tokenType) => {
    expect(thrownBy(() => parseTokenResponse(response(200, { access_token: 'at', token_type: tokenType, expires_in: 60 })))).toMatchObject({
      code: 'TOKEN_INVALID_RESPONSE',
      message: expect.stringContaining('token_type'),
    });
  });

  it.each([
    ['missing', {}],
    ['empty', { access_token: '' }],
    ['not a string', { access_token: 42 }],
  ])('rejects a %s access_token with TOKEN_INVALID_RESPONSE naming the field', (_case, fields) => {
    expect(thrownBy(() => parseTokenResponse(response(200, { token_type: 'Bearer', expires_in: 60, ...fields })))).toMatchObject({
      code: 'TOKEN_INVALID_RESPONSE',
      message: expect.stringContaining('access_token'),
    });
  });

  const HEADER_UNSAFE_TOKEN = 'unsafe-canary-7c1e';
  it.each([
    ['a trailing newline', `${HEADER_UNSAFE_TOKEN}\n`],
    ['a trailing CR LF', `${HEADER_UNSAFE_TOKEN}\r\n`],
    ['a leading space', ` ${HEADER_UNSAFE_TOKEN}`],
    ['an inner space', `${HEADER_UNSAFE_TOKEN} x`],
    ['a tab', `${HEADER_UNSAFE_TOKEN}\tx`],
    ['a NUL', `${HEADER_UNSAFE_TOKEN}\u0000`],
    ['a non-ASCII letter', `${HEADER_UNSAFE_TOKEN}é`],
    ['a zero-width space', `${HEADER_UNSAFE_TOKEN}\u200b`],
  ])('rejects an access_token with %s (it cannot be sent in an Authorization header) as TOKEN_INVALID_RESPONSE, without quoting it', (_case, accessToken) => {
    const error = thrownBy(() => parseTokenResponse(response(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 60 })));

    expect(error).toMatchObject({ code: 'TOKEN_INVALID_RESPONSE', message: expect.stringMatching(/access_token .*Authorization header/) });
    expect((error as Error).message).not.toContain(HEADER_UNSAFE_TOKEN);
  });

  it.each([
    ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjbGllbnQifQ.c2lnbmF0dXJl'],
    ['base64 with padding and every b64token character (RFC 6750 §2.1)', 'aZ09-._~+/=='],
    ['other visible ASCII that RFC 6749 allows (VSCHAR)', '00Dx0!AQ4AQ:x@y'],
  ])('accepts %s as access_token', (_case, accessToken) => {
    expect(parseTokenResponse(response(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 60 })).accessToken.reveal()).toBe(accessToken);
  });

  it('accepts expires_in as a numeric string', () => {
    expect(parseTokenResponse(response(200, { access_token: 'at', expires_in: '86399' }))).toMatchObject({ expiresInSeconds: 86399, lifetimeAssumed: false });
  });

  it.each([[0], [-5], ['soon'], ['']])('rejects expires_in %j', (expiresIn) => {
    expect(thrownBy(() => parseTokenResponse(response(200, { access_token: 'at', expires_in: expiresIn })))).toMatchObject({
      code: 'TOKEN_INVALID_RESPONSE',
      message: expect.stringContaining('expires_in'),
    });
  });

  it('assumes 300 seconds and says so when expires_in is absent', () => {
    expect(parseTokenResponse(response(200, { access_token: 'at', token_type: 'bearer' }))).toMatchObject({ expiresInSeconds: 300, lifetimeAssumed: true });
  });

  it('rejects an HTML page answered with 200 as TOKEN_INVALID_RESPONSE, without quoting it', () => {
    const html = '<!doctype html><html><body>Sign in to Example SSO</body></html>';

    const error = thrownBy(() => parseTokenResponse(response(200, html, { 'content-type': 'text/html' })));

    expect(error).toMatchObject({ code: 'TOKEN_INVALID_RESPONSE', status: 200, message: expect.stringContaining('HTML') });
    expect((error as Error).message).not.toContain('Sign in');
  });

  it('rejects a 200 that carries an OAuth error field as TOKEN_REJECTED naming the error', () => {
    expect(thrownBy(() => parseTokenResponse(response(200, { error: 'access_denied', error_description: 'no' })))).toMatchObject({
      code: 'TOKEN_REJECTED',
      message: expect.stringContaining('access_denied'),
    });
  });

  it('maps 400 invalid_client to TOKEN_INVALID_CLIENT with advice', () => {
    const error = thrownBy(() => parseTokenResponse(response(400, { error: 'invalid_client' })));

    expect(error).toMatchObject({ code: 'TOKEN_INVALID_CLIENT', status: 400, message: expect.stringContaining('invalid_client') });
    expect((error as Error).message).toMatch(/whitespace/);
  });

  it('maps a 401 without a body to TOKEN_INVALID_CLIENT', () => {
    expect(thrownBy(() => parseTokenResponse(response(401, '', {})))).toMatchObject({
      code: 'TOKEN_INVALID_CLIENT',
      status: 401,
      message: expect.stringContaining('invalid_client'),
    });
  });

  it.each(['invalid_request', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied'])(
    'maps the OAuth error %s to a token code of its own whose message names it',
    (oauthError) => {
      const error = thrownBy(() => parseTokenResponse(response(400, { error: oauthError })));

      expect(error).toMatchObject({ code: expect.stringMatching(/^TOKEN_/), status: 400, message: expect.stringContaining(oauthError) });
      expect(error).not.toMatchObject({ code: 'TOKEN_INVALID_CLIENT' });
    },
  );

  it.each([[503], [502], [429]])('maps %i to TOKEN_UNAVAILABLE', (status) => {
    expect(thrownBy(() => parseTokenResponse(response(status, '<html>busy</html>', { 'content-type': 'text/html' })))).toMatchObject({
      code: 'TOKEN_UNAVAILABLE',
      status,
    });
  });

  it('carries the correlation id the token endpoint gave its answer', () => {
    const headers = { 'content-type': 'application/json', 'inin-correlation-id': 'corr-42' };

    expect(thrownBy(() => parseTokenResponse(response(400, { error: 'invalid_grant' }, headers)))).toMatchObject({ upstreamCorrelationId: 'corr-42' });
  });
});

describe('token expiry skew', () => {
  it.each([
    [100_000, 10_000],
    [300_000, 30_000],
    [600_000, 60_000],
    [3_600_000, 60_000],
    [86_399_000, 60_000],
  ])('for a lifetime of %i ms is %i ms: min(60 s, 10 %% of the lifetime)', (lifetimeMs, skewMs) => {
    expect(expirySkewMs(lifetimeMs)).toBe(skewMs);
  });
});
