/**
 * Third-party clients spread over the nodes of a cluster: Autobahn|JS (npm `autobahn`) and
 * Autobahn|Python (Debian's python3-autobahn, run with /usr/bin/python3) on different nodes call,
 * publish and subscribe through a real nats-server. Autobahn|JS 26 uses the global WebSocket,
 * which Node 20 lacks; `ws` stands in for it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autobahn from 'autobahn';
import { describe, expect, it } from 'vitest';
import { eventually } from '../support/advanced-sessions.js';
import { closeAutobahn, openAutobahn } from '../support/autobahn-js.js';
import { useCluster } from './cluster-fixture.js';
import { type ClusterNode, registeredEverywhere } from './cluster-support.js';

const run = promisify(execFile);
const pythonPeer = fileURLToPath(new URL('./cluster_python_peer.py', import.meta.url));

// Anonymous may do everything; callers and publishers are disclosed by the role (as in Crossbar).
const realms = [
  {
    name: 'realm1',
    roles: [
      {
        name: 'anonymous',
        permissions: [
          {
            uri: '',
            match: 'prefix' as const,
            allow: { call: true, register: true, publish: true, subscribe: true },
            disclose: { caller: true, publisher: true },
          },
        ],
      },
    ],
  },
];
const { nodes } = useCluster(['a', 'b', 'c'], { realms });

const url = (n: number) => (nodes[n] as ClusterNode).url();

describe.each(['json', 'msgpack', 'cbor'] as const)('Autobahn|JS on two nodes over wamp.2.%s', (serializer) => {
  it('calls with progress and errors, and publishes with disclosure, across nodes', async () => {
    const callee = await openAutobahn(url(1), serializer);
    const caller = await openAutobahn(url(2), serializer);
    try {
      const prefix = `com.cluster.ajs.${serializer}`;
      await callee.session.register(`${prefix}.count`, (args, _kwargs, details) => {
        const n = (args?.[0] as number) ?? 0;
        for (let i = 1; i < n; i++) details?.progress?.([i], {});
        return n;
      });
      await callee.session.register(`${prefix}.fail`, () => {
        throw new autobahn.Error('com.cluster.ajs.oops', ['no'], { code: 7 });
      });
      const events: { args: unknown; publisher: unknown }[] = [];
      await callee.session.subscribe(`${prefix}.topic`, (args, _kwargs, details) => {
        events.push({ args, publisher: (details as { publisher?: unknown }).publisher });
      });
      await nodes[1]?.cluster.flush();
      await registeredEverywhere(nodes, `${prefix}.fail`, 1);

      const progress: unknown[] = [];
      const final = await new Promise((resolve, reject) => {
        (
          caller.session.call(`${prefix}.count`, [4], {}, { receive_progress: true }) as unknown as {
            then(ok: (v: unknown) => void, fail: (e: unknown) => void, onProgress: (v: unknown) => void): void;
          }
        ).then(resolve, reject, (value) => progress.push(value));
      });
      expect({ progress, final }).toEqual({ progress: [1, 2, 3], final: 4 });

      const error = await caller.session.call(`${prefix}.fail`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ error: 'com.cluster.ajs.oops', args: ['no'], kwargs: { code: 7 } });

      await caller.session.publish(`${prefix}.topic`, ['hi'], {}, { acknowledge: true, disclose_me: true });
      await eventually(() => events.length === 1);
      expect(events).toEqual([{ args: ['hi'], publisher: caller.session.id }]);
    } finally {
      await closeAutobahn(caller.connection);
      await closeAutobahn(callee.connection);
    }
  });
});

describe.each(['json', 'msgpack', 'cbor'] as const)('Autobahn|Python on two nodes over wamp.2.%s', (serializer) => {
  it('register, call, progress, errors, disclosure, subscribe and publish across nodes; and calls Autobahn|JS on a third', async () => {
    const js = await openAutobahn(url(2), serializer);
    try {
      await js.session.register('com.cluster.js.mul', (args) => (args?.[0] as number) * (args?.[1] as number));
      const { stdout } = await run('/usr/bin/python3', [pythonPeer, url(1), url(0), serializer], {
        timeout: 30_000,
      });
      const observed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
      expect(observed.add2).toBe(5);
      expect(observed.echo).toEqual({ args: [1, 'two', [0, 255]], kwargs: { color: 'orange' } });
      expect(observed.fail).toEqual({ error: 'com.cluster.failed', args: ['as requested'], kwargs: { code: 42 } });
      expect(observed.whoami).toEqual([observed.frontend_session, 'anonymous']);
      expect(observed.countdown).toEqual({ progress: [3, 2, 1], final: 0 });
      expect(observed.js_mul).toBe(42);
      // "not you" excluded the backend; the role discloses the publisher on the other node.
      expect(observed.events).toEqual([
        { args: ['hello', 7], kwargs: { note: 'first' }, publisher: observed.frontend_session },
        { args: ['last'], kwargs: {}, publisher: observed.frontend_session },
      ]);
    } finally {
      await closeAutobahn(js.connection);
    }
  });
});
