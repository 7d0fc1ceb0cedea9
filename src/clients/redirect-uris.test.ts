import { describe, expect, it } from '@jest/globals';
import type { ClientKind } from './kinds.js';
import { checkRedirectUri } from './redirect-uris.js';

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
