import { idShaped } from '../base/correlationId';

/**
 * The tenant an ID token names. CXone's token response carries an `id_token` whose claims
 * include `tenantId` (NICE's Agent SDK reads it: nice-devone/nice-cxone-agent-sdk,
 * dist/auth-sdk/src/lib/user/cxone-user.js, `this.userInfo.tenantId = user.tenantId`).
 * The signature is not checked: the token came straight from the token endpoint over TLS,
 * which OpenID Connect Core 1.0 §3.1.3.7 (6) allows in place of a signature check, and the
 * claim only chooses which tenant's API base URL to discover. The token itself is never kept.
 */
export function tenantIdOfIdToken(idToken: unknown): string | undefined {
  if (typeof idToken !== 'string') return undefined;
  const payload = idToken.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { tenantId?: unknown };
    return idShaped(claims?.tenantId);
  } catch {
    return undefined;
  }
}
