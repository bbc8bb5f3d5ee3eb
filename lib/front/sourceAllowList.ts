import { BlockList, isIP } from 'node:net';

/**
 * The HTTPS front's optional allow list of caller addresses (HTTP_ALLOWED_SOURCE_CIDRS):
 * API Gateway's `requestContext.http.sourceIp`, "the source IP address of the TCP
 * connection making the request to API Gateway" (payload format 2.0), checked against
 * CIDR ranges with Node's `net.BlockList`, built once per container.
 */

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const PREFIX = /^\d{1,3}$/;

/** `203.0.113.0/24` or `2001:db8::/32` as a range, or what is wrong with it. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return `${text} is not a CIDR range: ${address} is not an IPv4 or IPv6 address`;
  const maxPrefix = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? '' : text.slice(slash + 1);
  // A bare address is refused rather than read as one host: write /32 (/128) to mean that.
  if (!PREFIX.test(prefixText) || Number(prefixText) > maxPrefix) {
    return `${text} is not a CIDR range: end it with /0 to /${maxPrefix} (/${maxPrefix} for one address)`;
  }
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Whether a source address is inside the ranges; anything but an address string is outside. */
export type SourceAllowList = (sourceIp: unknown) => boolean;

export function createSourceAllowList(cidrs: readonly Cidr[]): SourceAllowList {
  const allowed = new BlockList();
  for (const { address, prefix, family } of cidrs) allowed.addSubnet(address, prefix, family);
  // BlockList matches an IPv4 range against an IPv4-mapped IPv6 address (::ffff:203.0.113.7) too;
  // it answers false for a string that is not an address, so a colon is all the family test needed.
  return (sourceIp) => typeof sourceIp === 'string' && allowed.check(sourceIp, sourceIp.includes(':') ? 'ipv6' : 'ipv4');
}
