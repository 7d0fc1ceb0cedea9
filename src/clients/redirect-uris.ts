import type { ClientKind } from './kinds.js';

/**
 * Redirect URI rules by kind of app: exact URIs, no fragments, no credentials; https, except
 * loopback http for native apps (RFC 8252 7.3) and, outside production, localhost.
 */
function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost';
}

/** Redirect URI rules by kind: exact URIs, no fragments; https except loopback and native schemes. */
export function checkRedirectUri(
  kind: ClientKind,
  value: string,
  options: { allowHttpLocalhost: boolean },
): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.hash || value.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain credentials';
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
