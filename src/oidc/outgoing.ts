/**
 * oidc-provider's calls to relying apps (logout tokens, key sets) go through a dispatcher that
 * refuses private, loopback and other special-use addresses, whatever a name resolves to (SSRF).
 * Outside production an app on this machine must be reachable: the demo app, or a developer's
 * app on localhost, receives its logout tokens there.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export function outgoingFetch(allowLoopback: boolean): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    if (!allowLoopback || !LOOPBACK.has(url.hostname)) return fetch(input, init);
    const { dispatcher: _guarded, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
    return fetch(input, rest);
  };
}
