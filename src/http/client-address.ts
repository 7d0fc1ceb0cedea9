import { BlockList, isIP } from 'node:net';
import type { Middleware } from 'koa';
import type { TrustProxy } from '../config.js';

/**
 * The client's address, as rate limits and the audit trail must see it. X-Forwarded-For is read
 * from the right: each trusted proxy appends the address it received the request from, so the
 * right-most address that no trusted proxy vouches for is the client. Anything to its left was
 * written by the client itself (Koa's own `proxy: true` takes the left-most: anyone's choice).
 */

/** 203.0.113.7, [2001:db8::1]:443, 203.0.113.7:5000 and ::ffff:203.0.113.7 → a bare address. */
function normalise(raw: string | undefined): string | undefined {
  let value = raw?.trim() ?? '';
  if (value.startsWith('[')) value = value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  else if (/^[\d.]+:\d+$/.test(value)) value = value.slice(0, value.lastIndexOf(':'));
  if (/^::ffff:[\d.]+$/i.test(value)) value = value.slice(7);
  return isIP(value) ? value : undefined;
}

export interface ResolvedClient {
  ip: string;
  /** How many proxies in the chain are trusted (0: the peer itself is not a trusted proxy). */
  trustedHops: number;
}

export function createClientResolver(
  trust: TrustProxy,
): (peer: string | undefined, forwardedFor: string | undefined) => ResolvedClient {
  let trusts: (address: string, position: number) => boolean = () => false;
  if (trust.kind === 'hops') trusts = (_address, position) => position < trust.hops;
  if (trust.kind === 'addresses') {
    const list = new BlockList();
    for (const entry of trust.addresses) {
      const [address = '', bits] = entry.split('/');
      const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) list.addAddress(address, family);
      else list.addSubnet(address, Number(bits), family);
    }
    trusts = (address) => list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  }
  return (peer, forwardedFor) => {
    const chain = [peer, ...(forwardedFor ? forwardedFor.split(',').reverse() : [])];
    let ip = normalise(peer) ?? peer ?? '';
    let trustedHops = 0;
    for (let position = 0; position < chain.length; position += 1) {
      const address = normalise(chain[position]);
      // Not an address (garbage, "unknown"): the last good one is as far as the chain can be believed.
      if (address === undefined) break;
      ip = address;
      if (!trusts(address, position)) break;
      trustedHops = position + 1;
    }
    return { ip, trustedHops };
  };
}

const FORWARDED_DETAILS = ['x-forwarded-proto', 'x-forwarded-host'] as const;

/**
 * Sets ctx.ip for the whole app (the provider included), and lets Koa read X-Forwarded-Proto and
 * -Host only as a trusted proxy wrote them: from anyone else they are removed; from a chain of
 * trusted proxies the value of the outermost one is kept (where the client connected).
 */
export function clientAddress(trust: TrustProxy): Middleware {
  const resolve = createClientResolver(trust);
  // Without X-Forwarded-For the answer depends on the peer alone: worked out once per connection
  // (a kept-alive connection carries many requests).
  const direct = new WeakMap<object, ResolvedClient>();
  return (ctx, next) => {
    const socket = ctx.req.socket;
    const forwardedFor = ctx.get('x-forwarded-for') || undefined;
    let resolved = forwardedFor === undefined ? direct.get(socket) : undefined;
    if (!resolved) {
      resolved = resolve(socket.remoteAddress, forwardedFor);
      if (forwardedFor === undefined) direct.set(socket, resolved);
    }
    const { ip, trustedHops } = resolved;
    ctx.request.ip = ip;
    for (const header of FORWARDED_DETAILS) {
      const raw = ctx.req.headers[header];
      if (raw === undefined) continue;
      const values = String(raw)
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (trustedHops === 0 || values.length === 0) delete ctx.req.headers[header];
      else ctx.req.headers[header] = values[Math.max(0, values.length - trustedHops)];
    }
    return next();
  };
}
