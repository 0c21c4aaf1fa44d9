/**
 * Starts a real Interchange node with every client transport the typed client speaks, all on
 * 127.0.0.1 with OS-chosen ports: RawSocket over TCP, over a Unix socket and over TLS; a web
 * transport with a long-poll path and a WebSocket path; and one universal port serving
 * RawSocket, WebSocket and long-poll together. Realm `realm1` is open to the anonymous role.
 * TLS uses the server package's test-only certificates (CN=localhost, IP 127.0.0.1).
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InterchangeNode } from '@interchange/server';
import { openRealm, routerConfig } from './config-node.js';

const TLS_FIXTURES = fileURLToPath(new URL('../../../packages/server/test/fixtures/tls/', import.meta.url));

/** Where each transport of the node listens. */
export interface TransportsNode {
  node: InterchangeNode;
  /** `rs://127.0.0.1:PORT` (json and msgpack). */
  rawsocketUrl: string;
  /** `unix:///…/router.sock`. */
  unixUrl: string;
  /** The Unix socket path. */
  unixPath: string;
  /** `rss://127.0.0.1:PORT`. */
  tlsUrl: string;
  /** PEM of the CA that signed the node's certificate. */
  ca: string;
  /** `http://127.0.0.1:PORT/lp` on the web transport. */
  longpollUrl: string;
  /** `ws://127.0.0.1:PORT/ws` on the web transport. */
  websocketUrl: string;
  /** The universal port: `rs://…`, `ws://…/ws` and `http://…/lp` on one port. */
  universal: { port: number; rawsocketUrl: string; websocketUrl: string; longpollUrl: string };
  stop(): Promise<void>;
}

const LOCAL = { type: 'tcp', port: 0, interface: '127.0.0.1' } as const;
const SERIALIZERS = ['json', 'msgpack'];

export async function startTransportsNode(): Promise<TransportsNode> {
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-transports-'));
  for (const name of ['server.key', 'server.crt']) await copyFile(join(TLS_FIXTURES, name), join(cbdir, name));
  const config = routerConfig(
    [openRealm()],
    [
      { type: 'rawsocket', endpoint: LOCAL, serializers: SERIALIZERS },
      { type: 'rawsocket', endpoint: { type: 'unix', path: 'router.sock' }, serializers: SERIALIZERS },
      {
        type: 'rawsocket',
        endpoint: { ...LOCAL, tls: { key: 'server.key', certificate: 'server.crt' } },
        serializers: SERIALIZERS,
      },
      {
        type: 'web',
        endpoint: LOCAL,
        paths: { lp: { type: 'longpoll' }, ws: { type: 'websocket', serializers: SERIALIZERS } },
      },
      {
        type: 'universal',
        endpoint: LOCAL,
        rawsocket: { serializers: SERIALIZERS },
        websocket: { ws: { type: 'websocket', serializers: SERIALIZERS } },
        web: { paths: { lp: { type: 'longpoll' } } },
      },
    ],
  );
  const node = await InterchangeNode.start({ config, cbdir });
  const [tcp, unix, tls, web, universal] = node.addresses;
  if (tcp === undefined || unix === undefined || tls === undefined || web === undefined || universal === undefined) {
    await node.stop();
    throw new Error('the transports node did not start every transport');
  }
  return {
    node,
    rawsocketUrl: tcp.url,
    unixUrl: unix.url,
    unixPath: unix.host,
    tlsUrl: tls.url,
    ca: await readFile(join(TLS_FIXTURES, 'ca.crt'), 'utf8'),
    longpollUrl: only(web.longpollUrls),
    websocketUrl: only(web.websocketUrls),
    universal: {
      port: universal.port,
      rawsocketUrl: `rs://127.0.0.1:${universal.port}`,
      websocketUrl: only(universal.websocketUrls),
      longpollUrl: only(universal.longpollUrls),
    },
    stop: async () => {
      await node.stop({ timeoutMs: 500 });
      await rm(cbdir, { recursive: true, force: true });
    },
  };
}

function only(urls: string[]): string {
  const [url] = urls;
  if (url === undefined || urls.length !== 1) throw new Error(`expected one URL, got ${urls.join(', ')}`);
  return url;
}
