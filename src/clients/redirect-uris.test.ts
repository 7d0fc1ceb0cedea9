import { describe, expect, it } from '@jest/globals';
import type { ClientKind } from './kinds.js';
import { checkBackchannelLogoutUri, checkRedirectUri } from './redirect-uris.js';

/** Redirect URI rules by kind of app (RFC 6749 3.1.2, RFC 8252 7), as a decision table. */
describe('redirect URIs', () => {
  it.each<[ClientKind, string, boolean, string | undefined]>([
    ['web', 'https://www.example.jp/cb', false, undefined],
    [
      'web',
      'http://www.example.jp/cb',
      false,
      'must use https (http is only allowed for loopback redirects of native apps)',
    ],
    [
      'web',
      'http://localhost:3001/cb',
      false,
      'must use https (http is only allowed for loopback redirects of native apps)',
    ],
    ['web', 'http://localhost:3001/cb', true, undefined],
    ['web', 'https://www.example.jp/cb#top', false, 'must not contain a fragment'],
    ['web', 'https://user:pw@www.example.jp/cb', false, 'must not contain credentials'],
    ['web', '/cb', false, 'is not an absolute URI'],
    ['spa', 'https://app.example.jp/', false, undefined],
    ['native', 'com.example.app:/callback', false, undefined],
    [
      'native',
      'myapp:/callback',
      false,
      'must be https, a loopback http URI, or a reverse-domain custom scheme such as com.example.app:/callback',
    ],
    ['native', 'http://127.0.0.1:8080/cb', false, undefined],
    ['native', 'http://[::1]/cb', false, undefined],
    ['native', 'https://app.example.jp/cb', false, undefined],
    ['web', 'com.example.app:/callback', false, 'must use https'],
  ])('%s %s (localhost allowed: %s)', (kind, uri, allowHttpLocalhost, problem) => {
    expect(checkRedirectUri(kind, uri, { allowHttpLocalhost })).toBe(problem);
  });
});

/** Where logout tokens may be posted (Back-Channel Logout 1.0 §2.2), as a decision table. */
describe('back-channel logout URIs', () => {
  it.each<[string, boolean, string | undefined]>([
    ['https://www.example.jp/oidc/backchannel-logout', false, undefined],
    ['https://www.example.jp/logout?tenant=1', false, undefined],
    ['http://www.example.jp/logout', false, 'must use https'],
    ['http://localhost:3001/logout', true, undefined],
    ['http://127.0.0.1:3001/logout', true, undefined],
    ['http://localhost:3001/logout', false, 'must use https'],
    ['https://localhost/logout', false, 'must not point at a loopback, private or link-local address'],
    ['https://127.0.0.1/logout', false, 'must not point at a loopback, private or link-local address'],
    ['https://10.1.2.3/logout', false, 'must not point at a loopback, private or link-local address'],
    ['https://169.254.169.254/latest', false, 'must not point at a loopback, private or link-local address'],
    ['https://[::1]/logout', false, 'must not point at a loopback, private or link-local address'],
    ['https://[fd00::1]/logout', false, 'must not point at a loopback, private or link-local address'],
    ['https://203.0.113.7/logout', false, undefined],
    ['https://www.example.jp/logout#x', false, 'must not contain a fragment'],
    ['https://u:p@www.example.jp/logout', false, 'must not contain credentials'],
    ['logout', false, 'is not an absolute URI'],
    ['com.example.app:/logout', false, 'must use https'],
  ])('%s (localhost allowed: %s)', (uri, allowHttpLocalhost, problem) => {
    expect(checkBackchannelLogoutUri(uri, { allowHttpLocalhost })).toBe(problem);
  });
});
