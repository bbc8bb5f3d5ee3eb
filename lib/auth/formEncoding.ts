/**
 * RFC 6749 §2.3.1 and Appendix B: client id and secret are form-urlencoded before they go
 * into the Basic header. Every character except A-Z a-z 0-9 - _ . ~ is percent-encoded as
 * UTF-8, so ordinary ids and secrets are sent byte for byte and `+ / = : % @` and spaces
 * cannot be misread by the server.
 */
export function formUrlEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function formUrlEncodeBody(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => `${formUrlEncode(name)}=${formUrlEncode(value)}`)
    .join('&');
}

export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(user)}:${formUrlEncode(password)}`, 'utf8').toString('base64')}`;
}
