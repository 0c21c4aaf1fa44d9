import { describe, expect, it } from 'vitest';
import { transportAuthOf } from '../../src/config/auth-schema.js';
import { formatIssue } from '../../src/config/config-issues.js';
import type { RouterWorkerConfig } from '../../src/config/config-schema.js';
import { realmsOfWorker } from '../../src/config/router-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

const HEX32 = 'ab'.repeat(32);

function nodeWith(auth: unknown, roles?: unknown[]): Record<string, unknown> {
  return workerConfig(
    [{ type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket', auth } } }],
    { realms: [{ name: 'realm1', ...(roles === undefined ? {} : { roles }) }] },
  );
}

async function authOf(auth: unknown): Promise<unknown> {
  const result = await validateConfig(nodeWith(auth));
  if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
  const worker = result.config.workers[0] as RouterWorkerConfig;
  const transport = worker.transports[0] as { paths: Record<string, { auth?: unknown }> };
  return transport.paths.ws?.auth;
}

async function issuesOf(auth: unknown, roles?: unknown[]): Promise<string[]> {
  const result = await validateConfig(nodeWith(auth, roles));
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('the transport auth block', () => {
  it("accepts seed 002's dynamic wampcra with authenticator api.auth", async () => {
    const auth = await authOf({ wampcra: { type: 'dynamic', authenticator: 'api.auth' } });
    expect(transportAuthOf(auth as never)).toEqual({ wampcra: { type: 'dynamic', authenticator: 'api.auth' } });
  });

  it("accepts every method in Crossbar's shapes", async () => {
    const block = {
      anonymous: { type: 'static', role: 'public' },
      ticket: { type: 'static', principals: { joe: { ticket: 'secret!!!', role: 'frontend', extra: { a: 1 } } } },
      wampcra: {
        type: 'static',
        users: { peter: { secret: 's', role: 'user', salt: 'salt123', iterations: 100, keylen: 32, realm: 'realm1' } },
      },
      scram: {
        type: 'static',
        principals: {
          alice: {
            kdf: 'argon2id-13',
            iterations: 4096,
            memory: 512,
            salt: 'aa'.repeat(16),
            'stored-key': HEX32,
            'server-key': HEX32,
            role: 'user',
          },
        },
      },
      cryptosign: {
        type: 'static',
        principals: { 'client01@example.com': { authorized_keys: [HEX32], role: 'device' } },
      },
      tls: {
        type: 'static',
        principals: {
          client_0: {
            'certificate-sha1': 'B6:E5:00:AA:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10',
            role: 'client',
          },
        },
      },
      cookie: {},
    };
    const auth = await authOf(block);
    expect(transportAuthOf(auth as never)).toEqual(block);
  });

  it('accepts each method as dynamic, with an authenticator realm', async () => {
    for (const method of ['anonymous', 'ticket', 'wampcra', 'scram', 'cryptosign', 'tls']) {
      const dynamic = { type: 'dynamic', authenticator: 'com.example.authenticate', 'authenticator-realm': 'auth' };
      expect(await authOf({ [method]: dynamic })).toEqual({ [method]: dynamic });
    }
  });

  it('gives the router the same object for the same block, so methods are built once', async () => {
    const auth = await authOf({ ticket: { type: 'dynamic', authenticator: 'a.b' } });
    expect(transportAuthOf(auth as never)).toBe(transportAuthOf(auth as never));
    expect(transportAuthOf(undefined)).toBeUndefined();
  });

  it.each([
    [{ ticket: { type: 'static', principals: { joe: { role: 'x' } } } }, 'ticket'],
    [
      {
        scram: {
          type: 'static',
          principals: {
            a: { kdf: 'argon2id13', iterations: 1, salt: 'aa', 'stored-key': HEX32, 'server-key': HEX32, role: 'r' },
          },
        },
      },
      'memory',
    ],
    [
      {
        scram: {
          type: 'static',
          principals: {
            a: { kdf: 'pbkdf2', iterations: 1, salt: 'aa', 'stored-key': 'xyz', 'server-key': HEX32, role: 'r' },
          },
        },
      },
      'stored-key',
    ],
    [
      { cryptosign: { type: 'static', principals: { a: { authorized_keys: ['nope'], role: 'r' } } } },
      'authorized_keys',
    ],
    [{ wampcra: { type: 'dynamic' } }, 'authenticator'],
    [{ wampcra: { type: 'dynamic', authenticator: 'not a uri' } }, 'authenticator'],
    [{ tls: { type: 'static', principals: { a: { 'certificate-sha1': 'B6:E5', role: 'r' } } } }, 'certificate-sha1'],
    [{}, 'at least one auth method'],
  ])('refuses %j, naming %s', async (auth, what) => {
    const issues = await issuesOf(auth);
    expect(issues.some((issue) => issue.includes(what))).toBe(true);
  });
});

describe('roles with a dynamic authorizer', () => {
  it("passes Crossbar's { name, authorizer } role to the router", async () => {
    const config = nodeWith({ anonymous: { type: 'static', role: 'frontend' } }, [
      { name: 'frontend', authorizer: 'com.example.authorize' },
    ]);
    const result = await validateConfig(config);
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([]);
    if (!result.ok) return;
    expect(realmsOfWorker(result.config.workers[0] as RouterWorkerConfig)[0]?.roles).toEqual([
      { name: 'frontend', authorizer: 'com.example.authorize' },
    ]);
  });

  it('refuses a role with both permissions and an authorizer', async () => {
    const issues = await issuesOf({ anonymous: { type: 'static' } }, [
      {
        name: 'x',
        authorizer: 'com.example.authorize',
        permissions: [{ uri: '', match: 'prefix', allow: { call: true } }],
      },
    ]);
    expect(issues.some((issue) => issue.includes('either permissions or an authorizer'))).toBe(true);
  });
});
