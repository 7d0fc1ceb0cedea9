import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the database that counts the commands a server sends, by command and
 * collection ("find oidc_client"), without any code in the product. It reads the MongoDB wire
 * protocol's OP_MSG frames on the way in and passes every byte through untouched. The driver's
 * own chatter (handshakes, heartbeats, pings) is not counted.
 */
const OP_MSG = 2013;
const CHATTER = new Set([
  'hello',
  'ismaster',
  'isMaster',
  'ping',
  'buildInfo',
  'buildinfo',
  'saslStart',
  'saslContinue',
  'endSessions',
  'getParameter',
]);

export interface CountingProxy {
  uri: string;
  /** Commands counted so far, keyed "command collection". */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

/** The command name and, where its value is a string, the collection it names. */
function commandOf(frame: Buffer): string | undefined {
  let offset = 20; // header (16) + flagBits (4)
  while (offset < frame.length) {
    const kind = frame[offset]!;
    offset += 1;
    const size = frame.readInt32LE(offset);
    if (kind === 1) {
      offset += size; // a document sequence (e.g. the documents of an insert)
      continue;
    }
    // Kind 0, the command document: its first element is the command.
    const type = frame[offset + 4]!;
    const nameStart = offset + 5;
    const nameEnd = frame.indexOf(0, nameStart);
    const name = frame.toString('utf8', nameStart, nameEnd);
    if (type !== 0x02) return name;
    const length = frame.readInt32LE(nameEnd + 1);
    return `${name} ${frame.toString('utf8', nameEnd + 5, nameEnd + 4 + length)}`;
  }
  return undefined;
}

export async function startCountingProxy(
  target: { host: string; port: number },
  database: string,
): Promise<CountingProxy> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const count = (frame: Buffer) => {
    if (frame.readInt32LE(12) !== OP_MSG) return;
    const command = commandOf(frame);
    if (!command || CHATTER.has(command.split(' ')[0]!)) return;
    counts.set(command, (counts.get(command) ?? 0) + 1);
  };
  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 16) {
        const length = pending.readInt32LE(0);
        if (pending.length < length) break;
        count(pending.subarray(0, length));
        pending = pending.subarray(length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const socket of [client, upstream]) socket.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    // directConnection: a replica set's members would otherwise be reached around the proxy.
    uri: `mongodb://127.0.0.1:${port}/${database}?directConnection=true`,
    counts: () => new Map(counts),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
