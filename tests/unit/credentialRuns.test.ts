import { CredentialRuns } from '../../lib/auth/credentialRuns';
import { SecretText } from '../../lib/base/secretText';

/**
 * lib/auth/credentialRuns.ts on its own: which texts share a run of CREDENTIAL_RUN_CHARS (8)
 * characters with a credential. Through the bridge: tests/faults/garbage.test.ts.
 */

const runs = new CredentialRuns([new SecretText('Tok3n-AbCdEfGh'), undefined, new SecretText('s3cr+et/Value.Part')]);

describe('credential runs', () => {
  it.each([
    ['8 characters of the token', 'x-n-AbCdEf-y'],
    ['8 of the token in another case', 'TOK3N-AB'],
    ['8 of the secret after a character outside the id alphabet', 'value.pa'],
  ])('finds %s', (_case, text) => {
    expect(runs.sharedBy(text)).toBe(true);
  });

  it.each([
    ['7 characters of the token', 'x-3n-AbCd-y'],
    ['pieces the secret\'s "+" and "/" keep apart, joined', 's3cretvalue'],
    ['a UUID', '3fa85f64-5717-4562-b3fc-2c963f66afa6'],
    ['an empty text', ''],
  ])('does not find %s', (_case, text) => {
    expect(runs.sharedBy(text)).toBe(false);
  });
});
