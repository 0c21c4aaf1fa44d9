/**
 * The config check of Crossbar's several router workers on one machine (router-processes.ts):
 * which configs run their router workers as processes, what a shared port allows, and what it
 * refuses with a message a user can act on.
 */
import { describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../src/config/config-schema.js';
import { configOfRouterProcess, routerProcessesOf } from '../../src/config/router-processes.js';
import { validateConfig } from '../../src/config/validate-config.js';
import { CpuAffinityError, parseCpuList, pinThisProcess } from '../../src/workers/cpu-affinity.js';

const anonymous = (publish: boolean) => ({
  name: 'anonymous',
  permissions: [{ uri: '', match: 'prefix', allow: { call: true, register: true, publish, subscribe: true } }],
});

function router(options: {
  port?: number;
  shared?: boolean;
  realms?: unknown[];
  paths?: Record<string, unknown>;
  cpu?: number[];
  id?: string;
}): Record<string, unknown> {
  return {
    type: 'router',
    ...(options.id === undefined ? {} : { id: options.id }),
    ...(options.cpu === undefined ? {} : { options: { cpu_affinity: options.cpu } }),
    realms: options.realms ?? [{ name: 'realm1', roles: [anonymous(true)] }],
    transports: [
      {
        type: 'web',
        endpoint: {
          type: 'tcp',
          port: options.port ?? 8080,
          ...(options.shared === undefined ? {} : { shared: options.shared }),
        },
        paths: options.paths ?? { ws: { type: 'websocket' } },
      },
    ],
  };
}

async function problems(...workers: unknown[]): Promise<string[]> {
  const result = await validateConfig({ version: 2, workers });
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

describe('shared ports and router processes in the config check', () => {
  it('accepts two router workers sharing a port, pinned to CPUs, and runs each as a process', async () => {
    const result = await validateConfig({
      version: 2,
      workers: [router({ shared: true, cpu: [0] }), router({ shared: true, cpu: [1] })],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(routerProcessesOf(result.config)).toEqual([0, 1]);
  });

  it('keeps a single router worker in the node process, shared or pinned', async () => {
    const result = await validateConfig({ version: 2, workers: [router({ shared: true, cpu: [0] })] });
    expect(result.ok).toBe(true);
    if (result.ok) expect(routerProcessesOf(result.config)).toBeUndefined();
  });

  it('keeps several router workers without shared endpoints or cpu_affinity in one process', async () => {
    const result = await validateConfig({ version: 2, workers: [router({ port: 8080 }), router({ port: 8081 })] });
    expect(result.ok).toBe(true);
    if (result.ok) expect(routerProcessesOf(result.config)).toBeUndefined();
  });

  it('refuses two endpoints on one port unless both say shared', async () => {
    expect(await problems(router({}), router({}))).toEqual([
      'workers[1].transports[0].endpoint.port: port 8080 is already used by workers[0].transports[0]; endpoints of ' +
        'two router workers share a port only when both say "shared": true',
    ]);
    expect(await problems(router({ shared: true }), router({}))).toHaveLength(1);
  });

  it('refuses transports that share a port but differ, naming the key', async () => {
    expect(
      await problems(
        router({ shared: true }),
        router({ shared: true, paths: { ws: { type: 'websocket' }, info: { type: 'nodeinfo' } } }),
      ),
    ).toEqual([
      'workers[1].transports[0]: shares port 8080 with workers[0].transports[0] but differs from it in "paths"; ' +
        'transports that share a port must be configured the same, since each connection goes to any one of them',
    ]);
  });

  it('refuses workers that share a port but not their realms', async () => {
    const [issue] = await problems(
      router({ shared: true }),
      router({ shared: true, realms: [{ name: 'realm2', roles: [anonymous(true)] }] }),
    );
    expect(issue).toMatch(
      /^workers\[1\]\.realms: this worker shares port 8080 with workers\[0\] but has realms \[realm2\]/,
    );
  });

  it('refuses a realm whose roles differ between router workers that run as processes', async () => {
    const [issue] = await problems(
      router({ port: 8080, cpu: [0] }),
      router({ port: 8081, cpu: [0], realms: [{ name: 'realm1', roles: [anonymous(false)] }] }),
    );
    expect(issue).toMatch(/^workers\[1\]\.realms\[0\]\.roles: realm "realm1" has other roles than in workers\[0\]/);
  });

  it('refuses one store directory in two router workers that run as processes', async () => {
    const realm = { name: 'realm1', roles: [anonymous(true)], store: { type: 'lmdb', path: 'store' } };
    const [issue] = await problems(
      router({ shared: true, realms: [realm] }),
      router({ shared: true, realms: [realm] }),
    );
    expect(issue).toMatch(
      /^workers\[1\]\.realms\[0\]\.store\.path: store directory "store" is also used by workers\[0\]/,
    );
  });

  it('refuses cpu_affinity on a container worker, saying where it works', async () => {
    const [issue] = await problems(router({}), { type: 'container', options: { cpu_affinity: [0] }, components: [] });
    expect(issue).toMatch(
      /^workers\[1\]\.options\.cpu_affinity: unsupported: .*set cpu_affinity on the router workers/,
    );
  });

  it('gives each process its router worker, and the first also the container and guest workers', () => {
    const config = {
      version: 2,
      workers: [
        { type: 'router', realms: [], transports: [], components: [] },
        { type: 'guest', executable: 'true' },
        { type: 'router', id: 'second', realms: [], transports: [], components: [] },
      ],
    } as unknown as NodeConfig;
    expect(configOfRouterProcess(config, 0, true).workers.map((w) => [w.type, w.id])).toEqual([
      ['router', '0'],
      ['guest', undefined],
    ]);
    expect(configOfRouterProcess(config, 2, false).workers.map((w) => [w.type, w.id])).toEqual([['router', 'second']]);
  });
});

describe('cpu_affinity pinning', () => {
  it('reads Linux CPU lists', () => {
    expect(parseCpuList('0-3,6,8-9\n')).toEqual([0, 1, 2, 3, 6, 8, 9]);
  });

  it('refuses a CPU position past the CPUs the node may use, before pinning anything', async () => {
    const error = await pinThisProcess([4096], 'worker 0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CpuAffinityError);
    expect((error as Error).message).toMatch(
      /^worker 0: cpu_affinity \[4096\] names CPU position 4096, but the node may use \d+ CPU/,
    );
  });
});
