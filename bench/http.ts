import { Agent, request } from 'node:http';

/**
 * The load generator's HTTP: node:http over keep-alive connections (cheaper than fetch, so the
 * generator takes less of the machine's two cores from the servers), as a TLS-terminating proxy
 * would forward it (X-Forwarded-Proto: https, the issuer's Host), with a cookie jar per browser.
 */
export interface Response {
  status: number;
  location: string | undefined;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Client authentication (client_secret_basic). */
  basic?: { id: string; secret: string };
  bearer?: string;
}

interface Cookie {
  value: string;
  path: string;
  /** Kept when the browser is closed (Max-Age or Expires). */
  persistent: boolean;
}

/** One browser's cookies: by name and path, as the provider scopes its interaction cookies. */
export class CookieJar {
  readonly #cookies = new Map<string, Cookie>();

  store(setCookie: string[] | undefined): void {
    for (const header of setCookie ?? []) {
      const [pair, ...attributes] = header.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = '/';
      let expired = value === '';
      let persistent = false;
      for (const attribute of attributes) {
        const [key, v = ''] = attribute.trim().split('=');
        const k = key!.toLowerCase();
        if (k === 'path') path = v || '/';
        if (k === 'max-age' || k === 'expires') persistent = true;
        if ((k === 'max-age' && Number(v) <= 0) || (k === 'expires' && Date.parse(v) <= Date.now())) expired = true;
      }
      const key = `${name}\0${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path, persistent });
    }
  }

  /**
   * The same browser after its sign-in session has ended and it was closed: its site-wide
   * persistent cookies (a device cookie) remain; browser-session cookies, the provider's session
   * cookie (by name: either provider's has "session" in it) and those of finished sign-ins do not.
   */
  reopened(): CookieJar {
    const jar = new CookieJar();
    for (const [key, cookie] of this.#cookies) {
      if (cookie.persistent && cookie.path === '/' && !/session/i.test(key.split('\0')[0]!))
        jar.#cookies.set(key, cookie);
    }
    return jar;
  }

  header(path: string): string {
    const sent: string[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (path === cookie.path || path.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`))
        sent.push(`${key.split('\0')[0]}=${cookie.value}`);
    }
    return sent.join('; ');
  }
}

export class HttpClient {
  readonly #agent: Agent;
  readonly #host: string;

  constructor(
    readonly port: number,
    issuer: string,
    connections: number,
  ) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
    this.#host = new URL(issuer).host;
  }

  send(path: string, options: RequestOptions = {}, jar?: CookieJar): Promise<Response> {
    const headers: Record<string, string> = { host: this.#host, 'x-forwarded-proto': 'https', ...options.headers };
    let body: string | undefined;
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      headers.accept = 'application/json';
      body = JSON.stringify(options.json);
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    if (options.basic)
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.basic.id)}:${encodeURIComponent(options.basic.secret)}`).toString('base64')}`;
    if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
    const cookie = jar?.header(path.split('?')[0]!);
    if (cookie) headers.cookie = cookie;
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          path,
          method: options.method ?? (body === undefined ? 'GET' : 'POST'),
          headers,
          agent: this.#agent,
        },
        (res) => {
          jar?.store(res.headers['set-cookie']);
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              location: res.headers.location,
              body: text,
              json: <T>() => JSON.parse(text) as T,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The path and query of a redirect target on the server itself (the issuer's absolute URLs too). */
export function localPath(location: string | undefined): string {
  if (!location) throw new Error('expected a redirect');
  const url = new URL(location, 'https://placeholder.invalid');
  return url.pathname + url.search;
}
