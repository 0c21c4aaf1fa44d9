/**
 * Nodes for the router link tests, configured as Crossbar's configs write them: each node has a
 * WebSocket transport for the clients (127.0.0.1, port 0) and a RawSocket transport on a Unix
 * socket in its own cbdir, where other nodes' links log in with WAMP-cryptosign as the
 * `router2router` role (their node keys in `authorized_keys`). Unix sockets give each node an
 * address known before it starts, so nodes can link to each other both ways, and keep it across
 * a restart.
 */
import { join } from 'node:path';
import autobahn from 'autobahn';
import { WebSocket } from 'ws';
import type { Logger } from '../../src/logger.js';
import { InterchangeNode } from '../../src/node.js';
import { ensureNodeKey } from '../../src/node-key.js';
import { LOCAL_ENDPOINT, tempDir, workerConfig } from '../helpers.js';

// Node 20 has no global WebSocket; Autobahn|JS uses the global one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

/** A node's directory, key and link socket. */
export interface NodeDir {
  name: string;
  cbdir: string;
  pubkey: string;
  socket: string;
}

/** A fresh cbdir with a node key. */
export async function nodeDir(name: string): Promise<NodeDir> {
  const cbdir = await tempDir(`rlink-${name}-`);
  const { key } = await ensureNodeKey(cbdir);
  return { name, cbdir, pubkey: key.publicKey, socket: join(cbdir, 'rlink.sock') };
}

const ALLOW_ALL = {
  uri: '',
  match: 'prefix',
  allow: { call: true, register: true, publish: true, subscribe: true },
  disclose: { caller: true, publisher: true },
  cache: true,
};

/** One `rlinks` entry to `to`, over RawSocket (cbor) on its Unix socket. */
export function rlinkTo(to: NodeDir, flags: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `rlink_to_${to.name}`,
    realm: 'realm1',
    transport: { type: 'rawsocket', endpoint: { type: 'unix', path: to.socket }, serializer: 'cbor' },
    ...flags,
  };
}

/** A node config: realm1, clients anonymous, links from the nodes in `trusted` accepted, `rlinks` out. */
export function nodeConfig(
  self: NodeDir,
  trusted: NodeDir[],
  rlinks: unknown[],
  clientAuth?: Record<string, unknown>,
): Record<string, unknown> {
  const principals = Object.fromEntries(
    trusted.map((peer) => [peer.name, { realm: 'realm1', role: 'router2router', authorized_keys: [peer.pubkey] }]),
  );
  return workerConfig(
    [
      {
        type: 'rawsocket',
        endpoint: { type: 'unix', path: self.socket },
        serializers: ['cbor'],
        auth: { cryptosign: { type: 'static', principals } },
      },
      {
        type: 'web',
        endpoint: LOCAL_ENDPOINT,
        paths: {
          ws: {
            type: 'websocket',
            serializers: ['cbor', 'msgpack', 'json'],
            ...(clientAuth === undefined ? {} : { auth: clientAuth }),
          },
        },
      },
    ],
    {
      realms: [
        {
          name: 'realm1',
          roles: [
            { name: 'anonymous', permissions: [ALLOW_ALL] },
            { name: 'router2router', permissions: [ALLOW_ALL] },
          ],
          ...(rlinks.length === 0 ? {} : { rlinks }),
        },
      ],
    },
  );
}

/** Starts a node from its dir and config. */
export function startNode(dir: NodeDir, config: Record<string, unknown>, logger?: Logger): Promise<InterchangeNode> {
  return InterchangeNode.start({ config, cbdir: dir.cbdir, ...(logger === undefined ? {} : { logger }) });
}

/** The clients' WebSocket URL of a node. */
export function wsUrl(node: InterchangeNode): string {
  const url = node.addresses.flatMap((address) => address.websocketUrls).find((u) => u.startsWith('ws://'));
  if (url === undefined) throw new Error('node has no WebSocket URL');
  return url;
}

/** An Autobahn|JS session on a node (no reconnect). */
export function autobahnSession(
  node: InterchangeNode,
  ticket?: { authid: string; ticket: string },
): Promise<{ session: autobahn.Session; close: () => void }> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({
      url: wsUrl(node),
      realm: 'realm1',
      max_retries: 0,
      ...(ticket === undefined
        ? {}
        : { authmethods: ['ticket'], authid: ticket.authid, onchallenge: () => ticket.ticket }),
    });
    connection.onopen = (session) => resolve({ session, close: () => connection.close() });
    connection.onclose = (reason, details) => {
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}

/** Resolves once `test` holds, checking every 20 ms (for state the test cannot be told about). */
export async function until(test: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a node's router has a subscription to `topic` (asked through its meta API). */
export async function hasSubscription(session: autobahn.Session, topic: string): Promise<boolean> {
  const id = await session.call('wamp.subscription.lookup', [topic]);
  return typeof id === 'number';
}

/** Whether a node's router has a registration of `procedure`. */
export async function hasRegistration(session: autobahn.Session, procedure: string): Promise<boolean> {
  const id = await session.call('wamp.registration.lookup', [procedure]);
  return typeof id === 'number';
}

/** Collects the first argument of each event of `topic` received by `session`. */
export async function collect(session: autobahn.Session, topic: string): Promise<unknown[]> {
  const received: unknown[] = [];
  await session.subscribe(topic, (args) => {
    received.push(args?.[0]);
  });
  return received;
}
