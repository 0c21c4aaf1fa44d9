/**
 * Crossbar's auth config keys that Interchange now takes with their Crossbar meaning:
 * roles with `allow-by-default`, `function` authenticators and authorizers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthenticateFunction } from '@interchange/router';
import { describe, expect, it } from 'vitest';
import { loadAuthFunctions } from '../../src/config/auth-functions.js';
import { type AuthConfig, transportAuthOf } from '../../src/config/auth-schema.js';
import { formatIssue } from '../../src/config/config-issues.js';
import type { NodeConfig, RouterWorkerConfig } from '../../src/config/config-schema.js';
import { realmsOfWorker } from '../../src/config/router-config.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

function nodeWith(roles: unknown[], auth: unknown = { anonymous: { type: 'static' } }): Record<string, unknown> {
  return workerConfig(
    [{ type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket', auth } } }],
    { realms: [{ name: 'realm1', roles }] },
  );
}

async function check(config: Record<string, unknown>): Promise<{ issues: string[]; worker?: RouterWorkerConfig }> {
  const result = await validateConfig(config);
  if (!result.ok) return { issues: result.issues.map(formatIssue) };
  return { issues: [], worker: result.config.workers[0] as RouterWorkerConfig };
}

describe('roles with allow-by-default', () => {
  it('a role without permissions allows everything with allow-by-default true, nothing without', async () => {
    const { issues, worker } = await check(
      nodeWith([
        { name: 'anonymous', 'allow-by-default': true },
        { name: 'guest', 'allow-by-default': false },
        { name: 'nobody' },
      ]),
    );
    expect(issues).toEqual([]);
    expect(realmsOfWorker(worker as RouterWorkerConfig)[0]?.roles).toEqual([
      {
        name: 'anonymous',
        permissions: [
          { uri: '', match: 'prefix', allow: { call: true, register: true, publish: true, subscribe: true } },
        ],
      },
      { name: 'guest', permissions: [] },
      { name: 'nobody', permissions: [] },
    ]);
  });

  it.each([
    ['permissions', { permissions: [] }],
    ['an authorizer', { authorizer: 'com.example.authorize' }],
  ])(
    'starts with allow-by-default true beside %s, as Crossbar does, and warns that it has no effect',
    async (_case, rest) => {
      const result = await validateConfig(nodeWith([{ name: 'anonymous', 'allow-by-default': true, ...rest }]));
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.warnings.map(formatIssue)).toEqual([
        expect.stringMatching(
          /^warning: workers\[0\]\.realms\[0\]\.roles\[0\]\["allow-by-default"\]: has no effect beside/,
        ),
      ]);
      // The role allows only what its permissions allow: with none, nothing.
      const roles = realmsOfWorker(result.config.workers[0] as RouterWorkerConfig)[0]?.roles;
      if ('permissions' in rest) expect(roles?.[0]).toEqual({ name: 'anonymous', permissions: [] });
    },
  );
});

describe('function authenticators and authorizers', () => {
  const block = (create: string, extra: Record<string, unknown> = {}) => ({ type: 'function', create, ...extra });

  it.each(['ticket', 'wampcra', 'scram', 'cryptosign', 'tls'])(
    'accepts a JS module function for %s',
    async (method) => {
      const { issues } = await check(
        nodeWith([{ name: 'user' }], { [method]: block('auth.mjs:create', { config: {} }) }),
      );
      expect(issues).toEqual([]);
    },
  );

  it('accepts a Python factory with expose_controller, as Crossbar names them', async () => {
    const { issues } = await check(
      nodeWith([{ name: 'user', authorizer: block('authorizer.create_authorizer') }], {
        ticket: block('authenticator.create_authenticator', { expose_controller: true, config: { db: 'x' } }),
      }),
    );
    expect(issues).toEqual([]);
  });

  it('refuses a create that names neither, expose_controller for a JS function, and a function anonymous authenticator, by name', async () => {
    const { issues } = await check(
      nodeWith([{ name: 'user', authorizer: block('authorizer') }], {
        ticket: block('authenticator.mjs:create', { expose_controller: true }),
        anonymous: block('anon.mjs'),
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^workers\[0\]\.realms\[0\]\.roles\[0\]\.authorizer\.create: expected a Python factory .* got "authorizer"$/,
        ),
        expect.stringMatching(
          /^workers\[0\]\.transports\[0\]\.paths\.ws\.auth\.ticket\.expose_controller: unsupported for a JS function/,
        ),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.paths\.ws\.auth\.anonymous\.type: unsupported/),
      ]),
    );
  });

  it('check reports a function module that is not in the node directory', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-fn-check-'));
    const result = await validateConfig(
      nodeWith([{ name: 'user', authorizer: block('authorizer.mjs:make') }], { ticket: block('missing.mjs:make') }),
      { cbdir },
    );
    expect(result.ok ? [] : result.issues.map(formatIssue)).toEqual([
      `workers[0].realms[0].roles[0].authorizer.create: function module not found: ${join(cbdir, 'authorizer.mjs')}`,
      `workers[0].transports[0].paths.ws.auth.ticket.create: function module not found: ${join(cbdir, 'missing.mjs')}`,
    ]);
    await rm(cbdir, { recursive: true, force: true });
  });

  it('loads the factories at start and names the key when a module or export is missing', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-fn-'));
    await writeFile(
      join(cbdir, 'auth.mjs'),
      'export const make = (config) => (realm, authid) => ({ role: config.role, authid });\n' +
        'export default () => () => true;\n',
    );
    const { worker } = await check(
      nodeWith([{ name: 'user', authorizer: block('auth.mjs') }], {
        ticket: block('auth.mjs:make', { config: { role: 'user' } }),
      }),
    );
    const config = { version: 2, workers: [worker] } as unknown as NodeConfig;
    await loadAuthFunctions(config, cbdir);
    const roles = realmsOfWorker(worker as RouterWorkerConfig)[0]?.roles;
    expect(typeof roles?.[0]?.authorizer).toBe('function');
    const paths = (worker as unknown as { transports: { paths: { ws: { auth: AuthConfig } } }[] }).transports[0]?.paths;
    const ticket = transportAuthOf(paths?.ws.auth)?.ticket as { type: string; authenticate: AuthenticateFunction };
    expect(ticket.type).toBe('function');
    expect(await ticket.authenticate('realm1', 'joe', {})).toEqual({ role: 'user', authid: 'joe' });

    const missing = await check(nodeWith([{ name: 'user' }], { ticket: block('auth.mjs:nothing') }));
    await expect(
      loadAuthFunctions({ version: 2, workers: [missing.worker] } as unknown as NodeConfig, cbdir),
    ).rejects.toThrow(
      'workers[0].transports[0].paths.ws.auth.ticket.create (auth.mjs:nothing): the module has no exported function nothing',
    );
    await rm(cbdir, { recursive: true, force: true });
  });
});

describe('cookie config of WebSocket services', () => {
  const withCookie = (cookie: unknown) =>
    workerConfig([
      { type: 'websocket', endpoint: { type: 'tcp', port: 8080 }, cookie },
      { type: 'web', endpoint: { type: 'tcp', port: 8081 }, paths: { ws: { type: 'websocket', cookie } } },
    ]);

  it("accepts Crossbar's keys on a WebSocket transport and a WebSocket path", async () => {
    const cookie = {
      name: 'cbtid',
      length: 24,
      max_age: 604800,
      secure: false,
      http_strict: true,
      same_site: 'Lax',
      store: { type: 'file', filename: 'cookies.dat', purge_on_startup: false },
    };
    expect((await check(withCookie(cookie))).issues).toEqual([]);
  });

  it('refuses the database store by name, and values outside Crossbar ranges', async () => {
    const { issues } = await check(
      withCookie({ length: 5, same_site: 'Sometimes', name: 'a b', store: { type: 'database', path: '.cookies' } }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^workers\[0\]\.transports\[0\]\.cookie\.store\.type: unsupported cookie store type "database"/,
        ),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.cookie\.length: expected an integer 6\.\.64, got 5/),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.cookie\.same_site: /),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.cookie\.name: /),
        expect.stringMatching(/^workers\[0\]\.transports\[1\]\.paths\.ws\.cookie\.store\.type: unsupported/),
      ]),
    );
  });
});
