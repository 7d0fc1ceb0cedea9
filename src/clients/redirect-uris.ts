import { BlockList, isIP } from 'node:net';
import type { ClientKind } from './kinds.js';

/**
 * Redirect URI rules by kind of app: exact URIs, no fragments, no credentials; https, except
 * loopback http for native apps (RFC 8252 7.3) and, outside production, localhost.
 */
function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
}

/** An absolute URI without fragment or credentials, or what is wrong with it. */
function exactUri(value: string): URL | string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
  return url;
}

/** Redirect URI rules by kind: exact URIs, no fragments; https except loopback and native schemes. */
export function checkRedirectUri(
  kind: ClientKind,
  value: string,
  options: { allowHttpLocalhost: boolean },
): string | undefined {
  const url = exactUri(value);
  if (typeof url === 'string') return url;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    if (kind === 'native' && (url.hostname === '127.0.0.1' || url.hostname === '[::1]')) return undefined; // RFC 8252 7.3
    if (options.allowHttpLocalhost && isLoopback(url)) return undefined;
    return 'must use https (http is only allowed for loopback redirects of native apps)';
  }
  if (kind === 'native') {
    // RFC 8252 7.1: a private-use scheme in reverse domain name notation, e.g. com.jal.app:/callback
    if (/^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol)) return undefined;
    return 'must be https, a loopback http URI, or a reverse-domain custom scheme such as com.example.app:/callback';
  }
  return 'must use https';
}

/** Addresses the provider must never be made to post to from inside its network (SSRF). */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of [
  ['::1', 128],
  ['::', 128],
  ['fc00::', 7],
  ['fe80::', 10],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

/**
 * Back-Channel Logout 1.0 §2.2: the URI the provider posts logout tokens to, from its own
 * network. Absolute, no fragment, no credentials; https, except loopback http outside
 * production (the same rule as redirect URIs). In production an address in a private, loopback
 * or link-local range is refused, so that no app can aim the provider at internal services.
 */
export function checkBackchannelLogoutUri(value: string, options: { allowHttpLocalhost: boolean }): string | undefined {
  const url = exactUri(value);
  if (typeof url === 'string') return url;
  if (options.allowHttpLocalhost && isLoopback(url) && (url.protocol === 'http:' || url.protocol === 'https:'))
    return undefined;
  if (url.protocol !== 'https:') return 'must use https';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(host);
  if (host === 'localhost' || (family && INTERNAL.check(host, family === 4 ? 'ipv4' : 'ipv6')))
    return 'must not point at a loopback, private or link-local address';
  return undefined;
}
