import { describe, expect, it } from '@jest/globals';
import { parseTrustProxy } from '../config.js';
import { createClientResolver } from './client-address.js';

const resolve = (trust: string, peer: string, forwardedFor?: string) =>
  createClientResolver(parseTrustProxy(trust))(peer, forwardedFor);

describe('the client address behind proxies', () => {
  it('is the peer, whatever X-Forwarded-For says, when no proxy is trusted', () => {
    expect(resolve('false', '198.51.100.4', '203.0.113.7')).toEqual({ ip: '198.51.100.4', trustedHops: 0 });
  });

  it('is the right-most entry with one trusted hop: what the client writes to its left is ignored', () => {
    expect(resolve('1', '10.0.0.2', 'spoofed, 6.6.6.6, 203.0.113.7')).toEqual({ ip: '203.0.113.7', trustedHops: 1 });
    expect(resolve('true', '10.0.0.2', '203.0.113.7')).toEqual({ ip: '203.0.113.7', trustedHops: 1 });
    expect(resolve('1', '10.0.0.2')).toEqual({ ip: '10.0.0.2', trustedHops: 1 });
  });

  it('skips as many entries as there are trusted hops', () => {
    expect(resolve('2', '10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.9')).toEqual({ ip: '203.0.113.7', trustedHops: 2 });
    expect(resolve('3', '10.0.0.2', '203.0.113.7')).toEqual({ ip: '203.0.113.7', trustedHops: 2 });
  });

  it('walks trusted proxy addresses and CIDRs from the right', () => {
    const trust = '10.0.0.0/8, 192.0.2.7, 2001:db8::/32';
    expect(resolve(trust, '10.1.1.1', '6.6.6.6, 203.0.113.7, 192.0.2.7')).toEqual({
      ip: '203.0.113.7',
      trustedHops: 2,
    });
    expect(resolve(trust, '::ffff:10.1.1.1', '[2001:db8::5]:443, 203.0.113.7:5000')).toEqual({
      ip: '203.0.113.7',
      trustedHops: 1,
    });
    expect(resolve(trust, '2001:db8::1', '2001:db8::2, 2a00::1')).toEqual({ ip: '2a00::1', trustedHops: 1 });
    // A peer that is not a listed proxy: its X-Forwarded-For is its own invention.
    expect(resolve(trust, '198.51.100.4', '203.0.113.7')).toEqual({ ip: '198.51.100.4', trustedHops: 0 });
  });

  it('never takes something that is not an address', () => {
    expect(resolve('2', '10.0.0.2', '203.0.113.7, <script>')).toEqual({ ip: '10.0.0.2', trustedHops: 1 });
    expect(resolve('1', '10.0.0.2', 'unknown')).toEqual({ ip: '10.0.0.2', trustedHops: 1 });
  });
});
