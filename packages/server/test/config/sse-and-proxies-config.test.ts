/**
 * `interchange check` of the `sse` path and of `trusted_proxies`: a realm or role that does not
 * exist, a `cookie_store` that names no cookie-tracking WebSocket path, and a proxy network that
 * cannot be parsed are reported with their key paths; a good config passes.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

function config(paths: Record<string, unknown>, options: Record<string, unknown> = {}) {
  return workerConfig([{ type: 'web', endpoint: { type: 'tcp', port: 8080 }, paths, options }], {
    realms: [{ name: 'realm1', roles: [{ name: 'anonymous', permissions: [] }] }],
  });
}

async function problems(input: unknown): Promise<string[]> {
  const result = await validateConfig(input);
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('check: sse paths and trusted_proxies', () => {
  it('passes a good config', async () => {
    const good = config(
      {
        ws: { type: 'websocket', cookie: {} },
        events: {
          type: 'sse',
          realm: 'realm1',
          cookie_store: '/ws',
          auth: { cookie: {}, anonymous: { type: 'static', role: 'anonymous' } },
          options: { heartbeat_interval: 20, max_streams: 10, allowed_origins: ['https://*.example.com'] },
        },
      },
      { trusted_proxies: ['127.0.0.1', '10.0.0.0/8'] },
    );
    expect(await problems(good)).toEqual([]);
  });

  it('reports a missing realm and role, and a cookie_store without cookies', async () => {
    const found = await problems(
      config({
        ws: { type: 'websocket' },
        a: { type: 'sse', realm: 'nowhere' },
        b: { type: 'sse', realm: 'realm1', role: 'ghost' },
        c: { type: 'sse', realm: 'realm1', cookie_store: '/ws' },
      }),
    );
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.paths\.a\.realm: no realm "nowhere"/),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.paths\.b\.role: no role "ghost"/),
        expect.stringMatching(/^workers\[0\]\.transports\[0\]\.paths\.c\.cookie_store: no WebSocket path "\/ws"/),
      ]),
    );
  });

  it('refuses role beside an auth block, where it would do nothing', async () => {
    const found = await problems(
      config({
        e: {
          type: 'sse',
          realm: 'realm1',
          role: 'anonymous',
          auth: { anonymous: { type: 'static', role: 'anonymous' } },
        },
      }),
    );
    expect(found).toEqual([
      expect.stringMatching(/^workers\[0\]\.transports\[0\]\.paths\.e\.role: with an "auth" block/),
    ]);
  });

  it('reports a trusted_proxies entry that is no address or network', async () => {
    const found = await problems(config({ ws: { type: 'websocket' } }, { trusted_proxies: ['10.0.0.0/99', 'proxy'] }));
    expect(found.sort()).toEqual([
      'workers[0].transports[0].options.trusted_proxies[0]: "10.0.0.0/99" has an invalid prefix or netmask',
      'workers[0].transports[0].options.trusted_proxies[1]: expected an IP address or network such as "10.0.0.0/8", got "proxy"',
    ]);
  });
});
