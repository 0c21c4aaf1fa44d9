/**
 * Authentication that needs TLS: `tls` (client certificates, pinned by SHA-1 fingerprint as
 * Crossbar's config writes it), and cryptosign with TLS channel binding (`tls-unique`), over a
 * real `wss://` listener. Uses the server package's test-only TLS material.
 */
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ApplicationError, CryptosignKey, connect, type WebSocketConstructor } from '@interchange/client';
import { sha256Digest } from '@interchange/protocol';
import { InterchangeNode } from '@interchange/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { routerConfig } from '../support/config-node.js';

const FIXTURES = fileURLToPath(new URL('../../../packages/server/test/fixtures/tls/', import.meta.url));
const read = (name: string) => readFile(join(FIXTURES, name), 'utf8');
const SEED = '6e1fde9cf9e2359a87420b65a87dc0c66136e66945196ba2475990d8a0c3a25b';

let node: InterchangeNode;
let cbdir: string;
let tls: { ca: string; cert: string; key: string };
let port: number;

beforeAll(async () => {
  cbdir = await mkdtemp(join(tmpdir(), 'interchange-tls-auth-'));
  for (const name of ['server.key', 'server.crt', 'ca.crt']) await copyFile(join(FIXTURES, name), join(cbdir, name));
  tls = { ca: await read('ca.crt'), cert: await read('client.crt'), key: await read('client.key') };
  const fingerprint = new X509Certificate(tls.cert).fingerprint;
  const config = routerConfig(
    [
      {
        name: 'realm1',
        roles: [{ name: 'device', permissions: [{ uri: '', match: 'prefix', allow: { call: true } }] }],
      },
    ],
    [
      {
        type: 'websocket',
        endpoint: {
          type: 'tcp',
          port: 0,
          interface: '127.0.0.1',
          tls: {
            key: 'server.key',
            certificate: 'server.crt',
            ca_certificates: ['ca.crt'],
            require_client_certificate: false,
          },
        },
        auth: {
          tls: { type: 'static', principals: { client_0: { 'certificate-sha1': fingerprint, role: 'device' } } },
          cryptosign: {
            type: 'static',
            principals: { bound: { authorized_keys: [CryptosignKey.load(SEED).publicKey], role: 'device' } },
          },
        },
      },
    ],
  );
  node = await InterchangeNode.start({ config, cbdir });
  port = node.addresses[0]?.port as number;
});

afterAll(async () => {
  await node?.stop({ timeoutMs: 300 });
  await rm(cbdir, { recursive: true, force: true });
});

/** A `ws` WebSocket with TLS options, remembering its socket for the channel ID. */
function tlsWebSocket(options: Record<string, unknown>): {
  WebSocket: WebSocketConstructor;
  channelId: () => Uint8Array | undefined;
} {
  let last: WebSocket | undefined;
  class TlsWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, options);
      last = this;
    }
  }
  const channelId = (): Uint8Array | undefined => {
    // tls-unique: SHA-256 of the first Finished message, the client's own (as Autobahn computes it).
    const socket = (last as unknown as { _socket?: TLSSocket } | undefined)?._socket;
    const finished = socket?.getFinished();
    return finished === undefined ? undefined : sha256Digest(new Uint8Array(finished));
  };
  return { WebSocket: TlsWebSocket as unknown as WebSocketConstructor, channelId };
}

describe('over TLS', () => {
  it('tls: a client certificate pinned in the config authenticates, without a challenge', async () => {
    const { WebSocket: Ws } = tlsWebSocket({ ...tls, servername: 'localhost' });
    const session = await connect({
      url: `wss://localhost:${port}/`,
      realm: 'realm1',
      authmethods: ['tls'],
      WebSocket: Ws,
    });
    expect(session.details).toMatchObject({
      authid: 'client_0',
      authrole: 'device',
      authmethod: 'tls',
      authprovider: 'static',
    });
    await session.leave();
  });

  it('tls: without a client certificate there is no method to authenticate with', async () => {
    const { WebSocket: Ws } = tlsWebSocket({ ca: tls.ca, servername: 'localhost' });
    const error = await connect({
      url: `wss://localhost:${port}/`,
      realm: 'realm1',
      authmethods: ['tls'],
      WebSocket: Ws,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationError);
    expect((error as ApplicationError).uri).toBe('wamp.error.no_auth_method');
  });

  it('cryptosign with tls-unique channel binding', async () => {
    const { WebSocket: Ws, channelId } = tlsWebSocket({ ca: tls.ca, servername: 'localhost' });
    const privateKey = CryptosignKey.load(SEED);
    const session = await connect({
      url: `wss://localhost:${port}/`,
      realm: 'realm1',
      auth: { cryptosign: { privateKey, channelBinding: { type: 'tls-unique', channelId } } },
      WebSocket: Ws,
    });
    expect(session.details).toMatchObject({ authid: 'bound', authmethod: 'cryptosign' });
    await session.leave();
  });

  it('cryptosign: a signature bound to another channel fails', async () => {
    const { WebSocket: Ws } = tlsWebSocket({ ca: tls.ca, servername: 'localhost' });
    const privateKey = CryptosignKey.load(SEED);
    const error = await connect({
      url: `wss://localhost:${port}/`,
      realm: 'realm1',
      auth: {
        cryptosign: { privateKey, channelBinding: { type: 'tls-unique', channelId: new Uint8Array(32).fill(7) } },
      },
      WebSocket: Ws,
    }).catch((e: unknown) => e);
    expect((error as ApplicationError).uri).toBe('wamp.error.authentication_failed');
  });
});
