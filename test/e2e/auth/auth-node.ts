/**
 * A real Interchange node for the authentication end-to-end tests: a web transport on 127.0.0.1
 * port 0 with three WebSocket paths, a cbdir (temporary) holding the node key and the components
 * that serve dynamic authenticators and authorizers, and the credentials the clients use.
 *
 * - `/ws`: static ticket, wampcra (plain and salted), wamp-scram and scram (PBKDF2, Argon2id) and
 *   cryptosign, on realm `realm1`;
 * - `/seed`: seed 002's transport auth as written, `wampcra` dynamic with authenticator `api.auth`,
 *   on realm `acme-company`, with the authenticator a hosted component;
 * - `/dyn`: dynamic ticket, whose principals get a role decided by a dynamic authorizer.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bytesToHex,
  cryptosignPublicKey,
  deriveScramCredential,
  hexToBytes,
  type ScramCredential,
} from '@interchange/protocol';
import { ensureNodeKey, InterchangeNode } from '@interchange/server';

/** The credentials configured on `/ws`, and what the other paths accept. */
export const CREDENTIALS = {
  ticket: { authid: 'joe', ticket: 'joe-ticket-1234' },
  wampcra: { authid: 'peter', secret: 'peter-secret' },
  wampcraSalted: { authid: 'salty', secret: 'salty-secret', salt: 'pepper', iterations: 100, keylen: 32 },
  cryptosign: { authid: 'device01', seed: '4d57d97a68f555696620a6d849c0ce582568518d729eb753dc7c732de2804510' },
  scramPbkdf2: { authid: 'alice', password: 'alice-password' },
  scramArgon2: { authid: 'carol', password: 'carol-password' },
  scramCrossbar: { authid: 'dave', password: 'dave-password' },
  /** Users of the seed's `api.auth` authenticator. */
  seed: {
    authid: 'peter',
    secret: 'secret2',
    salted: { authid: 'salty', secret: 'salty2', salt: 'nacl', iterations: 50, keylen: 32 },
  },
  /** Tickets of the `/dyn` path's authenticator. */
  dynamic: { authid: 'fe-user', ticket: 'dyn-ticket' },
} as const;

const ALL = { call: true, register: true, publish: true, subscribe: true };

/** The authenticator of seed 002 (`api.auth`), and the `/dyn` authenticator and authorizer. */
const COMPONENT = `
const seedUsers = ${JSON.stringify({
  [CREDENTIALS.seed.authid]: {
    secret: CREDENTIALS.seed.secret,
    role: 'anonymous',
    extra: { greeting: 'welcome to acme' },
  },
  [CREDENTIALS.seed.salted.authid]: {
    secret: CREDENTIALS.seed.salted.secret,
    role: 'anonymous',
    salt: CREDENTIALS.seed.salted.salt,
    iterations: CREDENTIALS.seed.salted.iterations,
    keylen: CREDENTIALS.seed.salted.keylen,
  },
})};
export default async (session, extra) => {
  if (extra.kind === 'seed') {
    await session.register('api.auth', ({ args: [realm, authid] }) => {
      const user = seedUsers[authid];
      if (user === undefined || realm !== 'acme-company') throw new Error('no such user');
      return user;
    });
    await session.register('com.acme.hello', () => 'hello from acme');
    return;
  }
  await session.register('com.example.authenticate', ({ args: [, authid, details] }) => {
    if (authid !== ${JSON.stringify(CREDENTIALS.dynamic.authid)} || details.ticket !== ${JSON.stringify(CREDENTIALS.dynamic.ticket)}) {
      throw new Error('denied');
    }
    // Echoes what it saw of the handshake, for the tests to check what authenticators get.
    const headers = details.transport?.http_headers_received ?? {};
    return { role: 'frontend', extra: { source: 'authenticator', host: headers.host, headers: Object.keys(headers).sort() } };
  });
  // The frontend role may call com.example.echo (with its identity disclosed) and nothing else.
  await session.register('com.example.authorize', ({ args: [, uri, action] }) =>
    uri === 'com.example.echo' && action === 'call' ? { allow: true, disclose: true, cache: true } : false,
  );
  await session.register('com.example.echo', (invocation) => ({ caller: invocation.details.caller_authid ?? null }));
  await session.register('com.example.secret', () => 'secret');
};
`;

/** A started node and what the tests need to reach it. */
export interface AuthNode {
  port: number;
  /** `ws://127.0.0.1:PORT/<path>`. */
  url(path: 'ws' | 'seed' | 'dyn'): string;
  /** The node key's public key: the router signs cryptosign client challenges with it. */
  routerPublicKey: string;
  /** The cryptosign principal's public key. */
  devicePublicKey: string;
  stop(): Promise<void>;
}

/** Starts the node. */
export async function startAuthNode(): Promise<AuthNode> {
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-auth-'));
  await writeFile(join(cbdir, 'auth-component.mjs'), COMPONENT);
  const { key } = await ensureNodeKey(cbdir);
  const devicePublicKey = bytesToHex(cryptosignPublicKey(hexToBytes(CREDENTIALS.cryptosign.seed) as Uint8Array));
  const principal = async (
    password: string,
    options: Parameters<typeof deriveScramCredential>[1],
    role = 'user',
  ): Promise<ScramCredential & { role: string }> => ({
    ...(await deriveScramCredential(password, options)),
    role,
  });
  const { ticket, wampcra, wampcraSalted, scramPbkdf2, scramArgon2, scramCrossbar } = CREDENTIALS;
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
              { name: 'device', permissions: [{ uri: '', match: 'prefix', allow: ALL }] },
              { name: 'frontend', authorizer: 'com.example.authorize' },
            ],
          },
          {
            // Seed 002's realm and role, as the article configures them.
            name: 'acme-company',
            roles: [
              {
                name: 'anonymous',
                permissions: [
                  { uri: '', match: 'prefix', allow: ALL, disclose: { caller: false, publisher: false }, cache: true },
                ],
              },
            ],
          },
        ],
        transports: [
          {
            type: 'web',
            endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' },
            paths: {
              ws: {
                type: 'websocket',
                auth: {
                  ticket: {
                    type: 'static',
                    principals: { [ticket.authid]: { ticket: ticket.ticket, role: 'user', extra: { plan: 'gold' } } },
                  },
                  wampcra: {
                    type: 'static',
                    users: {
                      [wampcra.authid]: { secret: wampcra.secret, role: 'user' },
                      [wampcraSalted.authid]: {
                        secret: wampcraSalted.secret,
                        role: 'user',
                        salt: wampcraSalted.salt,
                        iterations: wampcraSalted.iterations,
                        keylen: wampcraSalted.keylen,
                      },
                    },
                  },
                  cryptosign: {
                    type: 'static',
                    principals: {
                      [CREDENTIALS.cryptosign.authid]: { authorized_keys: [devicePublicKey], role: 'device' },
                    },
                  },
                  scram: {
                    type: 'static',
                    principals: {
                      [scramPbkdf2.authid]: await principal(scramPbkdf2.password, { kdf: 'pbkdf2', iterations: 1000 }),
                      [scramArgon2.authid]: await principal(scramArgon2.password, {
                        kdf: 'argon2id13',
                        iterations: 2,
                        memory: 1024,
                      }),
                      [scramCrossbar.authid]: await principal(scramCrossbar.password, {
                        kdf: 'argon2id13',
                        iterations: 2,
                        memory: 1024,
                        dialect: 'scram',
                      }),
                    },
                  },
                },
              },
              // Seed 002, verbatim.
              seed: { type: 'websocket', auth: { wampcra: { type: 'dynamic', authenticator: 'api.auth' } } },
              dyn: {
                type: 'websocket',
                auth: { ticket: { type: 'dynamic', authenticator: 'com.example.authenticate' } },
              },
            },
          },
        ],
        components: [
          { type: 'class', classname: 'auth-component.mjs', realm: 'acme-company', extra: { kind: 'seed' } },
          { type: 'class', classname: 'auth-component.mjs', realm: 'realm1', extra: { kind: 'dyn' } },
        ],
      },
    ],
  };
  const node = await InterchangeNode.start({ config, cbdir });
  const port = node.addresses[0]?.port;
  if (port === undefined) throw new Error('the auth test node bound no port');
  return {
    port,
    url: (path) => `ws://127.0.0.1:${port}/${path}`,
    routerPublicKey: key.publicKey,
    devicePublicKey,
    async stop() {
      await node.stop();
      await rm(cbdir, { recursive: true, force: true });
    },
  };
}
