/**
 * Crossbar's worker options `expose_controller` and `expose_shared`: accepted as booleans for
 * router and container workers; `expose_shared` is refused where it cannot be honoured (several
 * Python components of a router worker, each a process of its own).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';

// A cbdir whose pythonpath holds a Python module (the container fixture's `app`).
const CBDIR = fileURLToPath(new URL('../fixtures/python-shared/.crossbar', import.meta.url));

function routerWith(options: Record<string, unknown>, components: number): Record<string, unknown> {
  return {
    version: 2,
    workers: [
      {
        type: 'router',
        options: { pythonpath: ['../app'], ...options },
        realms: [{ name: 'realm1', roles: [] }],
        transports: [],
        components: Array.from({ length: components }, (_, i) => ({
          type: 'class',
          id: `c${i}`,
          classname: 'sharer.Sharer',
          realm: 'realm1',
        })),
      },
    ],
  };
}

async function issues(config: Record<string, unknown>): Promise<string[]> {
  const result = await validateConfig(config, { cbdir: CBDIR });
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('expose_controller and expose_shared', () => {
  it('are accepted on a router worker with one Python component', async () => {
    expect(await issues(routerWith({ expose_controller: true, expose_shared: true }, 1))).toEqual([]);
  });

  it('warn where they have no effect: a worker without Python components', async () => {
    const result = await validateConfig(routerWith({ expose_controller: true }, 0), { cbdir: CBDIR });
    expect(result.ok && result.warnings.map(formatIssue)).toEqual([
      expect.stringMatching(
        /^warning: workers\[0\]\.options\.expose_controller: has no effect: only Python components/,
      ),
    ]);
  });

  it('must be booleans', async () => {
    expect(await issues(routerWith({ expose_controller: 'yes' }, 1))).toEqual([
      expect.stringMatching(/^workers\[0\]\.options\.expose_controller: /),
    ]);
  });

  it('refuse expose_shared for several Python components of a router worker, naming the alternative', async () => {
    expect(await issues(routerWith({ expose_shared: true }, 2))).toEqual([
      expect.stringMatching(/^workers\[0\]\.options\.expose_shared: unsupported: .*move them to a container worker/),
    ]);
    expect(await issues(routerWith({ expose_shared: false }, 2))).toEqual([]);
  });
});
