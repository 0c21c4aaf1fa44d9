/**
 * Crossbar's auth config keys that Interchange now takes with their Crossbar meaning:
 * roles with `allow-by-default`, `function` authenticators and authorizers.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import type { RouterWorkerConfig } from '../../src/config/config-schema.js';
import { realmsOfWorker } from '../../src/config/router-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

function nodeWith(roles: unknown[], auth: unknown = { anonymous: { type: 'static' } }): Record<string, unknown> {
  return {
    version: 2,
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1', roles }],
        transports: [
          { type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths: { ws: { type: 'websocket', auth } } },
        ],
      },
    ],
  };
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
  ])('refuses allow-by-default true beside %s, where Crossbar ignores it', async (_case, rest) => {
    const { issues } = await check(nodeWith([{ name: 'user', 'allow-by-default': true, ...rest }]));
    expect(issues).toEqual([
      expect.stringMatching(/^workers\[0\]\.realms\[0\]\.roles\[0\]\["allow-by-default"\]: has no effect beside/),
    ]);
  });
});
