import { parseCredentials } from '../../lib/auth/credentials';
import { cleanCredentialValue, describeCharacter, findForbiddenCharacter } from '../../lib/auth/hygiene';
import type { FetchedSecret } from '../../lib/auth/secretCache';
import { captureLogs, type CapturedLogs } from '../setup/logs';
import { controlClock, invoke, openBridge, recordsOf, thrownBy, type Bridge } from '../support/bridge';

/** docs/design.md §5: whitespace and invisible characters pasted into a secret, removed at the edges and rejected inside. */

let logs: CapturedLogs;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => {
  logs.restore();
  jest.restoreAllMocks();
});

function fetched(secretString: string, versionId = 'v1'): FetchedSecret {
  return { secretString, versionId, fetchedAtMs: 0, generation: 1 };
}

describe('cleanCredentialValue', () => {
  it.each([
    ['a trailing newline', 'abc\n', ['trailing U+000A LINE FEED']],
    ['a trailing CRLF', 'abc\r\n', ['trailing U+000D CARRIAGE RETURN', 'trailing U+000A LINE FEED']],
    ['surrounding spaces', ' abc ', ['leading U+0020 SPACE', 'trailing U+0020 SPACE']],
    ['tabs', '\tabc\t', ['leading U+0009 TAB', 'trailing U+0009 TAB']],
    ['a byte-order mark', '\uFEFFabc', ['leading U+FEFF BYTE ORDER MARK']],
    ['a zero-width space', 'abc\u200B', ['trailing U+200B ZERO WIDTH SPACE']],
    ['zero-width joiners and the word joiner', '\u200C\u200Dabc\u2060', ['leading U+200C ZERO WIDTH NON-JOINER', 'leading U+200D ZERO WIDTH JOINER', 'trailing U+2060 WORD JOINER']],
    ['a Mongolian vowel separator', 'abc\u180E', ['trailing U+180E MONGOLIAN VOWEL SEPARATOR']],
    ['no-break spaces', '\u00A0abc\u00A0', ['leading U+00A0 NO-BREAK SPACE', 'trailing U+00A0 NO-BREAK SPACE']],
    ['other Unicode spaces', '\u2003abc\u3000', ['leading U+2003', 'trailing U+3000']],
    ['double quotes', '"abc"', ['wrapping quotes "…"']],
    ['single quotes', "'abc'", ["wrapping quotes '…'"]],
    ['curly double quotes', '\u201Cabc\u201D', ['wrapping quotes \u201C…\u201D']],
    ['curly single quotes', '\u2018abc\u2019', ['wrapping quotes \u2018…\u2019']],
  ])('removes %s', (_case, raw, removed) => {
    expect(cleanCredentialValue(raw)).toStrictEqual({ value: 'abc', removed });
  });

  it('trims, unwraps, then trims again', () => {
    expect(cleanCredentialValue(' " abc\t"\n')).toStrictEqual({
      value: 'abc',
      removed: ['leading U+0020 SPACE', 'trailing U+000A LINE FEED', 'wrapping quotes "…"', 'leading U+0020 SPACE', 'trailing U+0009 TAB'],
    });
  });

  it('unwraps one pair of quotes only', () => {
    expect(cleanCredentialValue('""abc""').value).toBe('"abc"');
  });

  it.each([['"abc\''], ['\u201Cabc"'], ['abc"'], ['"'], ['a"b"c']])('leaves unmatched or inner quotes alone: %j', (raw) => {
    expect(cleanCredentialValue(raw)).toStrictEqual({ value: raw, removed: [] });
  });

  it('leaves a clean value with special characters byte for byte', () => {
    const value = 'sandbox+secret/with=special:chars%~ü';

    expect(cleanCredentialValue(value)).toStrictEqual({ value, removed: [] });
  });

  it('describes what it removed without the value itself', () => {
    const { removed } = cleanCredentialValue('\n"s3cr3t-VALUE"\n');

    expect(removed.join(' ')).not.toMatch(/s3cr3t|VALUE/);
  });
});

describe('findForbiddenCharacter', () => {
  it.each([
    ['an inner space', 'abc def', 'U+0020 SPACE'],
    ['an inner tab', 'abc\tdef', 'U+0009 TAB'],
    ['an inner newline', 'abc\ndef', 'U+000A LINE FEED'],
    ['an inner no-break space', 'abc\u00A0def', 'U+00A0 NO-BREAK SPACE'],
    ['an inner zero-width space', 'abc\u200Bdef', 'U+200B ZERO WIDTH SPACE'],
    ['an inner byte-order mark', 'abc\uFEFFdef', 'U+FEFF BYTE ORDER MARK'],
    ['a control character', 'abc\u0007def', 'U+0007'],
    ['DEL', 'abc\u007Fdef', 'U+007F'],
    ['a soft hyphen', 'abc\u00ADdef', 'U+00AD'],
    ['a bidi override', 'abc\u202Edef', 'U+202E'],
    ['a left-to-right mark', 'abc\u200Edef', 'U+200E'],
  ])('finds %s', (_case, value, described) => {
    expect(findForbiddenCharacter(value)).toBe(described);
  });

  it('finds nothing in a clean value', () => {
    expect(findForbiddenCharacter('Hyg1ene+secret/=:%@~ü"\'')).toBeUndefined();
  });
});

describe('describeCharacter', () => {
  it('names a character by code point and, when known, by name', () => {
    expect([describeCharacter('\n'), describeCharacter('\u2060'), describeCharacter('x')]).toStrictEqual(['U+000A LINE FEED', 'U+2060 WORD JOINER', 'U+0078']);
  });
});

describe('parseCredentials', () => {
  it('reads clientId and clientSecret, cleaned, and reports what it changed', () => {
    const { credentials, changes } = parseCredentials(fetched(JSON.stringify({ clientId: 'id-1\n', clientSecret: '"sec-1"' })), 'my/secret');

    expect([credentials.clientId.reveal(), credentials.clientSecret?.reveal()]).toStrictEqual(['id-1', 'sec-1']);
    expect(changes).toStrictEqual([
      { key: 'clientId', removed: ['trailing U+000A LINE FEED'] },
      { key: 'clientSecret', removed: ['wrapping quotes "…"'] },
    ]);
  });

  it('accepts client_id and client_secret', () => {
    const { credentials, changes } = parseCredentials(fetched(JSON.stringify({ client_id: 'id-2', client_secret: 'sec-2' })), 'my/secret');

    expect([credentials.clientId.reveal(), credentials.clientSecret?.reveal()]).toStrictEqual(['id-2', 'sec-2']);
    expect(changes).toStrictEqual([]);
  });

  it('reads the CXone access key when present and passes other keys on as extra configuration', () => {
    const secret = { clientId: 'id', clientSecret: 'sec', accessKeyId: ' AK ', accessKeySecret: 'AS', tenantId: 't-1', region: 'na1' };

    const { credentials } = parseCredentials(fetched(JSON.stringify(secret)), 'my/secret');

    expect(credentials.accessKeyId?.reveal()).toBe('AK');
    expect(credentials.accessKeySecret?.reveal()).toBe('AS');
    expect(credentials.extra).toStrictEqual({ tenantId: 't-1', region: 'na1' });
    expect(credentials.generation).toBe(1);
  });

  it.each([
    ['clientId', { clientSecret: 'sec' }],
    ['clientSecret', { clientId: 'id' }],
  ])('rejects a secret without %s with SECRET_INVALID naming the key', (key, secret) => {
    expect(thrownBy(() => parseCredentials(fetched(JSON.stringify(secret)), 'my/secret'))).toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining(`missing the key ${key}`),
    });
  });

  it.each([
    ['not JSON', 'clientId=abc-PLAINTEXT;clientSecret=xyz-PLAINTEXT'],
    ['a JSON array', '["abc-PLAINTEXT","xyz-PLAINTEXT"]'],
    ['a JSON string', '"abc-PLAINTEXT:xyz-PLAINTEXT"'],
    ['JSON null', 'null'],
  ])('rejects a SecretString that is %s with SECRET_INVALID, without quoting it', (_case, secretString) => {
    const error = thrownBy(() => parseCredentials(fetched(secretString), 'my/secret'));

    expect(error).toMatchObject({ code: 'SECRET_INVALID', message: expect.stringContaining('my/secret') });
    expect((error as Error).message).not.toContain('PLAINTEXT');
  });

  it('rejects a value that is not a string, naming the key', () => {
    expect(thrownBy(() => parseCredentials(fetched(JSON.stringify({ clientId: 'id', clientSecret: 12345 })), 'my/secret'))).toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining('clientSecret'),
    });
  });

  it('rejects a value that is empty once cleaned, naming the key', () => {
    expect(thrownBy(() => parseCredentials(fetched(JSON.stringify({ clientId: 'id', clientSecret: ' "" \n' })), 'my/secret'))).toMatchObject({
      code: 'SECRET_INVALID',
      message: expect.stringContaining('clientSecret'),
    });
  });

  it.each([
    ['an inner space', 'inner-PART-one inner-PART-two', 'U+0020 SPACE'],
    ['an inner zero-width space', 'inner-PART-one\u200Binner-PART-two', 'U+200B ZERO WIDTH SPACE'],
    ['an inner control character', 'inner-PART-one\u0000inner-PART-two', 'U+0000'],
    ['an inner tab', 'inner-PART-one\tinner-PART-two', 'U+0009 TAB'],
  ])('rejects %s with SECRET_INVALID naming the key and the character, never the value', (_case, clientSecret, described) => {
    const error = thrownBy(() => parseCredentials(fetched(JSON.stringify({ clientId: 'id', clientSecret })), 'my/secret'));

    expect(error).toMatchObject({ code: 'SECRET_INVALID', message: expect.stringContaining('clientSecret') });
    expect((error as Error).message).toContain(described);
    expect((error as Error).message).not.toContain('inner-PART');
  });
});

describe('credential hygiene end to end (real SDK, token endpoint on loopback)', () => {
  const CLIENT = { clientId: 'hygiene-client', clientSecret: 'Hyg1ene+secret/=:%@~ü' };
  let bridge: Bridge | undefined;

  afterEach(async () => {
    await bridge?.close();
    bridge = undefined;
  });

  async function open(secret: Record<string, unknown>, tokenLifetimeSeconds?: number): Promise<Bridge> {
    bridge = await openBridge({ secretString: JSON.stringify(secret), clients: [CLIENT], ...(tokenLifetimeSeconds && { tokenLifetimeSeconds }) });
    return bridge;
  }

  function hygieneWarnings(): Array<Record<string, unknown>> {
    return recordsOf(logs.records(), 'secret_hygiene');
  }

  const DIRTY_VALUES: Array<[string, (value: string) => string, string]> = [
    ['a trailing \\n', (v) => `${v}\n`, 'trailing U+000A LINE FEED'],
    ['a trailing \\r\\n', (v) => `${v}\r\n`, 'trailing U+000D CARRIAGE RETURN'],
    ['surrounding spaces', (v) => `  ${v} `, 'leading U+0020 SPACE'],
    ['tabs', (v) => `\t${v}\t`, 'trailing U+0009 TAB'],
    ['a byte-order mark', (v) => `\uFEFF${v}`, 'leading U+FEFF BYTE ORDER MARK'],
    ['a zero-width space', (v) => `${v}\u200B`, 'trailing U+200B ZERO WIDTH SPACE'],
    ['no-break spaces', (v) => `\u00A0${v}\u00A0`, 'leading U+00A0 NO-BREAK SPACE'],
    ['wrapping "…"', (v) => `"${v}"`, 'wrapping quotes "…"'],
    ["wrapping '…'", (v) => `'${v}'`, "wrapping quotes '…'"],
    ['wrapping “…”', (v) => `\u201C${v}\u201D`, 'wrapping quotes \u201C…\u201D'],
    ['wrapping ‘…’', (v) => `\u2018${v}\u2019`, 'wrapping quotes \u2018…\u2019'],
    ['quotes, spaces and a newline together', (v) => ` "${v} "\r\n`, 'wrapping quotes "…"'],
  ];
  const METHODS = ['client_secret_basic', 'client_secret_post'] as const;
  const CASES = METHODS.flatMap((method) => DIRTY_VALUES.map(([name, dirty, removed]) => [method, name, dirty, removed] as const));

  it.each(CASES)('%s: a client secret with %s reaches the token endpoint clean', async (method, _name, dirty, removed) => {
    const { sandbox, coldContainer } = await open({ clientId: CLIENT.clientId, clientSecret: dirty(CLIENT.clientSecret) });
    const handler = coldContainer({ CLIENT_AUTH_METHOD: method });

    const output = await invoke(handler, { phoneNumber: '+15551234567' });

    expect(output).toMatchObject({ found: true, customerId: 'c-1001' });
    expect(sandbox.tokenEndpoint.presentedClients).toStrictEqual([CLIENT]);
    const warnings = hygieneWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', changes: [{ key: 'clientSecret', removed: expect.arrayContaining([removed]) }] });
  });

  it.each(METHODS)('%s: a dirty client id is cleaned on its own, not as part of "id:secret"', async (method) => {
    const { sandbox, coldContainer } = await open({ clientId: `\uFEFF${CLIENT.clientId} \r\n`, clientSecret: `\u200B${CLIENT.clientSecret}` });

    await invoke(coldContainer({ CLIENT_AUTH_METHOD: method }), { phoneNumber: '+15551234567' });

    expect(sandbox.tokenEndpoint.presentedClients).toStrictEqual([CLIENT]);
    expect(hygieneWarnings()[0]).toMatchObject({
      changes: [
        { key: 'clientId', removed: ['leading U+FEFF BYTE ORDER MARK', 'trailing U+0020 SPACE', 'trailing U+000D CARRIAGE RETURN', 'trailing U+000A LINE FEED'] },
        { key: 'clientSecret', removed: ['leading U+200B ZERO WIDTH SPACE'] },
      ],
    });
  });

  it.each(METHODS)('%s: client_id and client_secret keys work, dirty or not', async (method) => {
    const { sandbox, coldContainer } = await open({ client_id: CLIENT.clientId, client_secret: `'${CLIENT.clientSecret}'\n` });

    const output = await invoke(coldContainer({ CLIENT_AUTH_METHOD: method }), { phoneNumber: '+15551234567' });

    expect(output).toMatchObject({ found: true });
    expect(sandbox.tokenEndpoint.presentedClients).toStrictEqual([CLIENT]);
    expect(hygieneWarnings()[0]).toMatchObject({ changes: [{ key: 'client_secret', removed: ['trailing U+000A LINE FEED', "wrapping quotes '…'"] }] });
  });

  it('writes no warning for a clean secret', async () => {
    const { coldContainer } = await open(CLIENT);

    await invoke(coldContainer(), { phoneNumber: '+15551234567' });

    expect(hygieneWarnings()).toHaveLength(0);
    expect(logs.records().filter((record) => record.level === 'warn')).toHaveLength(0);
  });

  it('names the key and what was removed in the warning, never the value', async () => {
    const { coldContainer } = await open({ clientId: CLIENT.clientId, clientSecret: `"${CLIENT.clientSecret}"\n` });
    const handler = coldContainer();

    await invoke(handler, { phoneNumber: '+15551234567' });

    const [warning] = hygieneWarnings();
    expect(warning?.message).toEqual(expect.stringContaining('clientSecret'));
    expect(warning?.message).toEqual(expect.stringContaining('trailing U+000A LINE FEED'));
    const warningLines = logs.lines.filter((line) => line.includes('secret_hygiene'));
    expect(warningLines).toHaveLength(1);
    for (const line of warningLines) {
      expect(line).not.toContain(CLIENT.clientSecret);
      expect(line).not.toContain(JSON.stringify(CLIENT.clientSecret).slice(1, -1));
      expect(line).not.toContain('Hyg1ene');
    }
  });

  it('warns once per secret version: not again on warm invocations or refetches of the same version, again after rotation to another dirty value', async () => {
    // Tokens live 50 s (refreshed at 45 s), so every step below needs a token and so the secret.
    const { sandbox, coldContainer } = await open({ clientId: CLIENT.clientId, clientSecret: `${CLIENT.clientSecret}\n` }, 50);
    const clock = controlClock();
    const handler = coldContainer({ SECRET_TTL_SECONDS: '60' });
    await invoke(handler, { phoneNumber: '+15551234567' });
    await invoke(handler, { phoneNumber: '+15551234567' });
    clock.advanceTo(61_000);
    await invoke(handler, { phoneNumber: '+15551234567' });
    expect(sandbox.secretsManager.requests).toBe(2);
    expect(hygieneWarnings()).toHaveLength(1);

    sandbox.secretsManager.putSecret(sandbox.env.SECRET_ID!, JSON.stringify({ clientId: CLIENT.clientId, clientSecret: `\t${CLIENT.clientSecret}` }));
    clock.advanceTo(122_000);
    await invoke(handler, { phoneNumber: '+15551234567' });

    expect(sandbox.secretsManager.requests).toBe(3);
    const warnings = hygieneWarnings();
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ changes: [{ key: 'clientSecret', removed: ['leading U+0009 TAB'] }] });
    expect(warnings[1]?.versionId).not.toBe(warnings[0]?.versionId);
  });

  it('rejects a value holding a lone UTF-16 surrogate as SECRET_INVALID naming the key, not as an internal error', async () => {
    const { sandbox, coldContainer } = await open({ clientId: CLIENT.clientId, clientSecret: 'inner-PART-one\uD800inner-PART-two' });

    const result = invoke(coldContainer(), { phoneNumber: '+15551234567' });

    await expect(result).rejects.toMatchObject({ code: 'SECRET_INVALID', message: expect.stringContaining('clientSecret') });
    expect(sandbox.tokenEndpoint.requests).toBe(0);
  });

  it.each([
    ['an inner space', 'inner-PART-one inner-PART-two'],
    ['an inner zero-width space', 'inner-PART-one\u200Binner-PART-two'],
    ['an inner control character', 'inner-PART-one\u0007inner-PART-two'],
  ])('rejects a secret with %s as SECRET_INVALID naming the key, never the value, before any token request', async (_case, clientSecret) => {
    const { sandbox, coldContainer } = await open({ clientId: CLIENT.clientId, clientSecret: `${clientSecret}\n` });

    const result = invoke(coldContainer(), { phoneNumber: '+15551234567' });

    await expect(result).rejects.toMatchObject({ code: 'SECRET_INVALID', message: expect.stringMatching(/^SECRET_INVALID: .*clientSecret/) });
    await expect(result).rejects.not.toMatchObject({ message: expect.stringContaining('inner-PART') });
    expect(sandbox.tokenEndpoint.requests).toBe(0);
    expect(sandbox.customerApi.requests).toBe(0);
    expect(logs.lines.join('\n')).not.toContain('inner-PART');
  });
});
