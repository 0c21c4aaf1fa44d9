/**
 * A real Interchange node configured the way Crossbar users write their configs, for the tests
 * of the places where Interchange used to behave differently from Crossbar (issue 10). Two
 * listeners on 127.0.0.1 port 0: a web transport with one WebSocket path per case, and a TLS
 * WebSocket transport for cryptosign channel binding. A hosted component serves the dynamic
 * authenticators.
 *
 * Paths of the web transport:
 * - `/cra`: static WAMP-CRA, user `peter` with the salted secret as the WAMP spec and Crossbar's
 *   docs write it (the PBKDF2 key of password `secret1`);
 * - `/cradyn`: dynamic WAMP-CRA whose authenticator answers that same user;
 * - `/errors`: dynamic ticket whose authenticator raises `com.example.invalid_ticket`;
 * - `/norealm`: static ticket principal `joe` with `realm: tenant`, and dynamic ticket on
 *   `/norealmdyn` whose authenticator (on `realm1`) assigns `tenant`;
 * - `/plain`: static cryptosign over plain TCP (a client asking for `tls-unique` there);
 * - `/visitor`: anonymous as role `visitor`, which realm `open` allows everything by default
 *   (`allow-by-default: true`) and realm `shut` nothing;
 * - `/fn`: `function` ticket and WAMP-CRA authenticators (fixtures/function-auth.mjs) giving role
 *   `frontend`, whose `function` authorizer allows calling `com.example.whoami` only.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, cryptosignPublicKey, hexToBytes } from '@interchange/protocol';
import { InterchangeNode } from '@interchange/server';

/** The test-only TLS material of the server package. */
export const TLS_FIXTURES = fileURLToPath(new URL('../../../packages/server/test/fixtures/tls/', import.meta.url));

/** What the clients use. */
export const DIALECT = {
  /** The WAMP spec's "Password Salting" example, as Crossbar's docs configure it. */
  salted: {
    authid: 'peter',
    password: 'secret1',
    secret: 'prq7+YkJ1/KlW1X0YczMHw==',
    salt: 'salt123',
    iterations: 100,
    keylen: 16,
  },
  ticket: { authid: 'joe', ticket: 'joe-ticket' },
  device: { authid: 'device01', seed: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510' },
} as const;

const ALL = { call: true, register: true, publish: true, subscribe: true };

/** The hosted component that serves the dynamic authenticators. */
const COMPONENT = fileURLToPath(new URL('./fixtures/dialect-component.mjs', import.meta.url));
/** The module of the `function` authenticators and authorizer. */
const FUNCTIONS = fileURLToPath(new URL('./fixtures/function-auth.mjs', import.meta.url));

/** A started node. */
export interface DialectNode {
  /** `ws://127.0.0.1:PORT/<path>` of the web transport. */
  url(path: 'cra' | 'cradyn' | 'errors' | 'norealm' | 'norealmdyn' | 'plain' | 'visitor' | 'fn'): string;
  /** `wss://localhost:PORT/` of the TLS transport. */
  tlsUrl: string;
  /** The CA that signed the TLS transport's certificate. */
  caFile: string;
  cbdir: string;
  stop(): Promise<void>;
}

/** Starts the node. */
export async function startDialectNode(): Promise<DialectNode> {
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-dialect-'));
  for (const name of ['server.key', 'server.crt', 'ca.crt'])
    await copyFile(join(TLS_FIXTURES, name), join(cbdir, name));
  const devicePublicKey = bytesToHex(cryptosignPublicKey(hexToBytes(DIALECT.device.seed) as Uint8Array));
  const { salted, ticket } = DIALECT;
  const cryptosign = {
    type: 'static',
    principals: { [DIALECT.device.authid]: { authorized_keys: [devicePublicKey], role: 'user' } },
  };
  const functionAuthenticator = {
    type: 'function',
    create: `${FUNCTIONS}:create_authenticator`,
    config: {
      principals: {
        [ticket.authid]: { ticket: ticket.ticket, role: 'frontend' },
        [salted.authid]: { secret: salted.secret, role: 'frontend' },
      },
    },
  };
  const config = {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [
          {
            name: 'realm1',
            roles: [
              { name: 'user', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
              {
                name: 'frontend',
                authorizer: {
                  type: 'function',
                  create: `${FUNCTIONS}:create_authorizer`,
                  config: { allow: ['com.example.whoami'] },
                },
              },
            ],
          },
          { name: 'tenant', roles: [{ name: 'user', permissions: [{ uri: '', match: 'prefix', allow: ALL }] }] },
          // Crossbar's plain roles: allow-by-default decides everything.
          { name: 'open', roles: [{ name: 'visitor', 'allow-by-default': true }] },
          { name: 'shut', roles: [{ name: 'visitor' }] },
        ],
        transports: [
          {
            type: 'web',
            endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
            paths: {
              cra: {
                type: 'websocket',
                auth: {
                  wampcra: {
                    type: 'static',
                    users: {
                      [salted.authid]: {
                        secret: salted.secret,
                        salt: salted.salt,
                        iterations: salted.iterations,
                        keylen: salted.keylen,
                        role: 'user',
                      },
                    },
                  },
                },
              },
              cradyn: { type: 'websocket', auth: { wampcra: { type: 'dynamic', authenticator: 'com.example.cra' } } },
              errors: { type: 'websocket', auth: { ticket: { type: 'dynamic', authenticator: 'com.example.ticket' } } },
              norealm: {
                type: 'websocket',
                auth: {
                  ticket: {
                    type: 'static',
                    principals: { [ticket.authid]: { ticket: ticket.ticket, role: 'user', realm: 'tenant' } },
                  },
                },
              },
              norealmdyn: {
                type: 'websocket',
                auth: {
                  ticket: { type: 'dynamic', authenticator: 'com.example.assign', 'authenticator-realm': 'realm1' },
                },
              },
              plain: { type: 'websocket', auth: { cryptosign } },
              visitor: { type: 'websocket', auth: { anonymous: { type: 'static', role: 'visitor' } } },
              fn: { type: 'websocket', auth: { ticket: functionAuthenticator, wampcra: functionAuthenticator } },
            },
          },
          {
            type: 'websocket',
            endpoint: {
              type: 'tcp',
              port: 0,
              interface: '127.0.0.1',
              tls: { key: 'server.key', certificate: 'server.crt' },
            },
            auth: { cryptosign },
          },
        ],
        components: [
          {
            type: 'class',
            classname: COMPONENT,
            realm: 'realm1',
            role: 'user',
            extra: { salted, ticket },
          },
        ],
      },
    ],
  };
  const node = await InterchangeNode.start({ config, cbdir });
  const [web, secure] = node.addresses;
  if (web === undefined || secure === undefined) throw new Error('the dialect test node bound no port');
  return {
    url: (path) => `ws://127.0.0.1:${web.port}/${path}`,
    tlsUrl: `wss://localhost:${secure.port}/`,
    caFile: join(cbdir, 'ca.crt'),
    cbdir,
    async stop() {
      await node.stop({ timeoutMs: 500 });
      await rm(cbdir, { recursive: true, force: true });
    },
  };
}
