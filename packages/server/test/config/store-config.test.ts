import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { workerConfig } from '../helpers.js';

function withStore(store: unknown): Record<string, unknown> {
  return workerConfig([], { realms: [{ name: 'realm1', store }] });
}

async function problems(store: unknown): Promise<string[]> {
  const result = await validateConfig(withStore(store));
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('realm store config', () => {
  it.each([
    [{ type: 'memory', limit: 10, 'event-history': [{ uri: 'com.example.log' }] }],
    [{ type: 'lmdb', path: 'store', maxsize: 1073741824, 'event-history': [{ uri: 'com.example.', match: 'prefix' }] }],
    [{ type: 'lmdb', path: '/var/lib/interchange/store', sync: false }],
  ])('accepts %j', async (store) => {
    expect(await problems(store)).toEqual([]);
  });

  it.each([
    [{ type: 'lmdb' }, 'path', 'an lmdb store needs a "path"'],
    [{ type: 'memory', path: 'store' }, 'path', 'applies to a store of type "lmdb" only'],
    [{ type: 'memory', maxsize: 1048576 }, 'maxsize', 'applies to a store of type "lmdb" only'],
    [{ type: 'lmdb', path: 'store', maxsize: 1024 }, 'maxsize', ''],
    [{ type: 'memory', sync: false }, 'sync', 'applies to a store of type "lmdb" only'],
    [{ type: 'lmdb', path: 'store', readonly: true }, 'readonly', 'unsupported key'],
    [{ type: 'lmdb', path: 'store', 'buffer-flush': 250 }, 'buffer-flush', 'unsupported key'],
    [{ type: 'cfxdb', path: 'store' }, 'type', ''],
    [{ type: 'redis', path: 'store' }, 'type', ''],
  ])('refuses %j at %s', async (store, key, text) => {
    const found = await problems(store);
    expect(
      found.some((line) => (line.includes(`store.${key}`) || line.includes(`store["${key}"]`)) && line.includes(text)),
    ).toBe(true);
  });
});
