import type { ClientAuthMethod } from '../auth/tokenRequest';
import type { TokenGrant } from '../auth/tokenRequest';

/**
 * A redacted `curl` equivalent of the token request: the user sets the variables
 * themselves, so nothing secret is printed. curl's --data-urlencode form-encodes the body;
 * the Basic header is built from form-encoded values as RFC 6749 §2.3.1 requires.
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
  const lines = [`curl -sS -X POST ${quote(settings.tokenUrl)}`, `  -H 'Accept: application/json'`];
  const variables = settings.authMethod === 'tls_client_auth' ? ['CLIENT_ID'] : ['CLIENT_ID', 'CLIENT_SECRET'];
  if (settings.authMethod === 'tls_client_auth') {
    // RFC 8705 §2: the certificate authenticates the client; client_id goes in the body, no secret.
    lines.push(`  --cert client.pem --key client-key.pem --cacert ca-bundle.pem`, `  --data-urlencode "client_id=$CLIENT_ID"`);
  } else if (settings.authMethod === 'client_secret_basic') {
    lines.push(`  -H "Authorization: Basic $(printf '%s:%s' "$(urlencode "$CLIENT_ID")" "$(urlencode "$CLIENT_SECRET")" | base64 | tr -d '\\n')"`);
  } else {
    lines.push(`  --data-urlencode "client_id=$CLIENT_ID"`, `  --data-urlencode "client_secret=$CLIENT_SECRET"`);
  }
  lines.push(`  --data-urlencode 'grant_type=${settings.grant}'`);
  if (settings.grant === 'password') {
    variables.push('ACCESS_KEY_ID', 'ACCESS_KEY_SECRET');
    lines.push(`  --data-urlencode "username=$ACCESS_KEY_ID"`, `  --data-urlencode "password=$ACCESS_KEY_SECRET"`);
  }
  if (settings.scope) lines.push(`  --data-urlencode ${quote(`scope=${settings.scope}`)}`);
  for (const [name, value] of Object.entries(settings.extraParams ?? {})) lines.push(`  --data-urlencode ${quote(`${name}=${value}`)}`);
  const preamble = [
    `# Set ${variables.join(', ')} from the secret first (read -rs NAME keeps them out of shell history).`,
    ...(settings.authMethod === 'client_secret_basic'
      ? [`urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]).replace(/[!*()\\x27]/g, c => "%" + c.charCodeAt(0).toString(16).toUpperCase()))' "$1"; }`]
      : []),
  ];
  return [...preamble, lines.join(' \\\n')].join('\n');
}
