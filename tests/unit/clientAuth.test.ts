import { execFileSync } from 'node:child_process';
import type { Credentials } from '../../lib/auth/credentials';
import { CLIENT_AUTH_METHODS, clientAuthFor, clientSecretBasic, clientSecretPost, SECRET_IN_BODY, tlsClientAuth, type ClientAuth } from '../../lib/auth/clientAuth';
import { redactedCurl } from '../../lib/doctor/curl';
import { SecretText } from '../../lib/base/secretText';
import { thrownBy } from '../support/bridge';

/** Each client authentication strategy on its own: what it adds to a request, and what it prints. */

function credentials(clientId: string, clientSecret?: string): Credentials {
  return { clientId: new SecretText(clientId), ...(clientSecret !== undefined && { clientSecret: new SecretText(clientSecret) }), extra: {}, generation: 1 };
}

/** Applies a strategy to an empty request, as buildTokenRequest does after the grant's parameters. */
function applied(apply: ClientAuth['apply'], creds: Credentials): { params: Record<string, string>; headers: Record<string, string> } {
  const params: Record<string, string> = {};
  const headers: Record<string, string> = {};
  apply(creds, params, headers);
  return { params, headers };
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** Characters RFC 6749 Appendix B encodes, some of which encodeURIComponent alone leaves as they are. */
const SPECIAL_ID = 'tenant:client ü';
const SPECIAL_SECRET = "a+b/c=d:e%f~g!'()*";

describe('client authentication strategies', () => {
  it('client_secret_basic puts id and secret in the Authorization header only (RFC 6749 §2.3.1 example)', () => {
    const { params, headers } = applied(clientSecretBasic().apply, credentials('s6BhdRkqt3', '7Fjfp0ZBr1KtDRbnfVdmIw'));

    expect(headers).toStrictEqual({ authorization: 'Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3' });
    expect(params).toStrictEqual({});
  });

  it('client_secret_basic form-urlencodes id and secret before joining them (RFC 6749 §2.3.1, Appendix B)', () => {
    const { headers } = applied(clientSecretBasic().apply, credentials(SPECIAL_ID, SPECIAL_SECRET));

    expect(headers.authorization).toBe(`Basic ${base64('tenant%3Aclient%20%C3%BC:a%2Bb%2Fc%3Dd%3Ae%25f~g%21%27%28%29%2A')}`);
  });

  it("client_secret_basic's unencoded variant (the doctor's alternative) joins id and secret as they are", () => {
    const { params, headers } = applied(clientSecretBasic().applyUnencoded!, credentials(SPECIAL_ID, SPECIAL_SECRET));

    expect(headers).toStrictEqual({ authorization: `Basic ${base64(`${SPECIAL_ID}:${SPECIAL_SECRET}`)}` });
    expect(params).toStrictEqual({});
  });

  it('client_secret_post puts client_id and client_secret in the body, as they are (the body is form-encoded later), and no header', () => {
    const { params, headers } = applied(clientSecretPost().apply, credentials(SPECIAL_ID, SPECIAL_SECRET));

    expect(params).toStrictEqual({ client_id: SPECIAL_ID, client_secret: SPECIAL_SECRET });
    expect(Object.keys(params)).toStrictEqual(['client_id', 'client_secret']);
    expect(headers).toStrictEqual({});
  });

  it('tls_client_auth sends client_id only, never the secret (RFC 8705 §2)', () => {
    const { params, headers } = applied(tlsClientAuth().apply, credentials('mtls-client', 'unused-secret'));

    expect(params).toStrictEqual({ client_id: 'mtls-client' });
    expect(headers).toStrictEqual({});
  });

  it.each(['client_secret_basic', 'client_secret_post'] as const)('%s without a clientSecret fails with SECRET_INVALID naming the key', (method) => {
    expect(thrownBy(() => applied(clientAuthFor(method).apply, credentials('id')))).toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining('missing the key clientSecret'),
    });
  });

  it('says which sends an Authorization header, which presents the client certificate, and the other method the doctor tries', () => {
    const facts = CLIENT_AUTH_METHODS.map((method) => {
      const { sendsAuthorization, usesClientCertificate, otherMethod, applyUnencoded } = clientAuthFor(method);
      return { method, sendsAuthorization, usesClientCertificate, otherMethod, unencoded: applyUnencoded !== undefined };
    });

    expect(facts).toStrictEqual([
      { method: 'client_secret_basic', sendsAuthorization: true, usesClientCertificate: false, otherMethod: 'client_secret_post', unencoded: true },
      { method: 'client_secret_post', sendsAuthorization: false, usesClientCertificate: false, otherMethod: 'client_secret_basic', unencoded: false },
      { method: 'tls_client_auth', sendsAuthorization: false, usesClientCertificate: true, otherMethod: undefined, unencoded: false },
    ]);
  });

  it('maps each configured name to the strategy of that name, and the advice when the header fails to one that sends none', () => {
    for (const method of CLIENT_AUTH_METHODS) expect(clientAuthFor(method).method).toBe(method);
    expect(clientAuthFor(SECRET_IN_BODY).sendsAuthorization).toBe(false);
  });
});

describe("client authentication in the doctor's curl", () => {
  const CANARY_ID = 'canary-client-7f3a';
  const CANARY_SECRET = 'canary+secret/9e1b=:%';
  /** Every form in which a strategy may send the canary: as is, form-encoded, in a Basic header either way. */
  const canaryForms = [CANARY_ID, CANARY_SECRET, encodeURIComponent(CANARY_SECRET), base64(`${CANARY_ID}:${encodeURIComponent(CANARY_SECRET)}`), base64(`${CANARY_ID}:${CANARY_SECRET}`)];

  it.each(CLIENT_AUTH_METHODS)('%s: the curl holds no secret, only the variables the user sets', (authMethod) => {
    const auth = clientAuthFor(authMethod);
    const request = applied(auth.apply, credentials(CANARY_ID, CANARY_SECRET));

    const curl = redactedCurl({ tokenUrl: 'https://login.example.com/oauth/token', grant: 'client_credentials', authMethod });

    // The same strategy did put the canary on the request: its absence from the curl means something.
    expect(canaryForms.some((form) => JSON.stringify(request).includes(form))).toBe(true);
    for (const form of canaryForms) expect(curl).not.toContain(form);
    expect(curl).toContain('$CLIENT_ID');
    expect(curl.includes('$CLIENT_SECRET')).toBe(authMethod !== 'tls_client_auth');
    for (const part of [...auth.curl.preamble, ...auth.curl.lines]) expect(curl).toContain(part);
  });

  it("client_secret_basic: the curl's shell builds the same Authorization header the bridge sends", () => {
    const { preamble, lines } = clientSecretBasic().curl;
    const headerOption = lines.find((line) => line.includes('Authorization'))!.trim();
    // `-H "Authorization: …"` → print the double-quoted word the shell expands.
    const script = [...preamble, `printf '%s' ${headerOption.slice('-H '.length)}`].join('\n');

    const printed = execFileSync('bash', ['-c', script], { env: { ...process.env, CLIENT_ID: SPECIAL_ID, CLIENT_SECRET: SPECIAL_SECRET }, encoding: 'utf8' });

    expect(printed).toBe(`Authorization: ${applied(clientSecretBasic().apply, credentials(SPECIAL_ID, SPECIAL_SECRET)).headers.authorization}`);
  });
});
