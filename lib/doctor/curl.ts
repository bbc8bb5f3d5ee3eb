import { clientAuthFor, type ClientAuthMethod } from '../auth/clientAuth';
import type { TokenGrant } from '../auth/tokenRequest';

/**
 * A redacted `curl` equivalent of the token request: the user sets the variables
 * themselves, so nothing secret is printed. curl's --data-urlencode form-encodes the body;
 * the client authentication method renders its own part (lib/auth/clientAuth.ts).
 */
export interface CurlSettings {
  tokenUrl: string;
  grant: TokenGrant;
  authMethod: ClientAuthMethod;
  scope?: string;
  extraParams?: Readonly<Record<string, string>>;
}

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

export function redactedCurl(settings: CurlSettings): string {
  const auth = clientAuthFor(settings.authMethod).curl;
  const lines = [`curl -sS -X POST ${quote(settings.tokenUrl)}`, `  -H 'Accept: application/json'`, ...auth.lines, `  --data-urlencode 'grant_type=${settings.grant}'`];
  const variables = [...auth.variables];
  if (settings.grant === 'password') {
    variables.push('ACCESS_KEY_ID', 'ACCESS_KEY_SECRET');
    lines.push(`  --data-urlencode "username=$ACCESS_KEY_ID"`, `  --data-urlencode "password=$ACCESS_KEY_SECRET"`);
  }
  if (settings.scope) lines.push(`  --data-urlencode ${quote(`scope=${settings.scope}`)}`);
  for (const [name, value] of Object.entries(settings.extraParams ?? {})) lines.push(`  --data-urlencode ${quote(`${name}=${value}`)}`);
  const preamble = [`# Set ${variables.join(', ')} from the secret first (read -rs NAME keeps them out of shell history).`, ...auth.preamble];
  return [...preamble, lines.join(' \\\n')].join('\n');
}
