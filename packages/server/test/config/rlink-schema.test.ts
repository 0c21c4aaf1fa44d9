/**
 * The `rlinks` of a realm in Crossbar's shape: every key Crossbar's router link takes is
 * accepted, and anything else, or a wrong value, is reported with its key path.
 */
import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { realmsOfWorker } from '../../src/config/router-config.js';
import { validateConfig } from '../../src/config/validate-config.js';

const rawsocketLink = {
  id: 'rlink_1_2',
  realm: 'realm1',
  transport: {
    type: 'rawsocket',
    endpoint: { type: 'tcp', host: 'localhost', port: 5082 },
    url: 'rs://localhost:5082',
    serializer: 'cbor',
  },
  authid: 'node1',
  exclude_authid: ['node2'],
  forward_local_events: false,
  forward_remote_events: true,
  forward_local_invocations: false,
  forward_remote_invocations: true,
};

const node = (rlinks: unknown[], roles?: unknown[]) => ({
  version: 2,
  workers: [{ type: 'router', realms: [{ name: 'realm1', ...(roles === undefined ? {} : { roles }), rlinks }] }],
});

async function problems(config: unknown): Promise<string[]> {
  const result = await validateConfig(config);
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('realm rlinks', () => {
  it("accepts Crossbar's keys over RawSocket (TCP or Unix) and WebSocket, TLS included", async () => {
    expect(
      await problems(
        node([
          rawsocketLink,
          {
            realm: 'realm1',
            transport: { type: 'rawsocket', endpoint: { type: 'unix', path: '../node2.sock' }, serializer: 'msgpack' },
          },
          {
            realm: 'realm1',
            transport: {
              type: 'websocket',
              endpoint: { type: 'tcp', host: 'node2.example.com', port: 443, tls: { hostname: 'node2.example.com' } },
              url: 'wss://node2.example.com/ws',
              serializers: ['cbor', 'json'],
            },
          },
        ]),
      ),
    ).toEqual([]);
  });

  it('names keys Crossbar does not have, and wrong values', async () => {
    expect(
      await problems(
        node([{ ...rawsocketLink, authrole: 'router2router', forward_local_events: 'yes', realm: 'not a realm' }]),
      ),
    ).toEqual([
      'workers[0].realms[0].rlinks[0].authrole: unsupported key (not implemented by Interchange; supported here: ' +
        'id, realm, transport, authid, exclude_authid, forward_local_events, forward_remote_events, ' +
        'forward_local_invocations, forward_remote_invocations)',
      'workers[0].realms[0].rlinks[0].realm: expected a realm name (a WAMP URI such as "realm1"), got "not a realm"',
      'workers[0].realms[0].rlinks[0].forward_local_events: expected true or false, got "yes"',
    ]);
  });

  it('needs a transport', async () => {
    expect(await problems(node([{ realm: 'realm1' }]))).toEqual([
      'workers[0].realms[0].rlinks[0].transport: required: expected an object',
    ]);
  });

  it('is refused in a cluster node, where every node would forward each event', async () => {
    const config = { ...node([rawsocketLink]), cluster: { type: 'nats', servers: ['nats://127.0.0.1:4222'] } };
    expect(await problems(config)).toEqual([
      'workers[0].realms[0].rlinks: router links cannot run in a cluster node (a "cluster" block or "start ' +
        '--workers"): each node of the cluster would run them and forward every event once per node. Run the ' +
        'links in one node outside the cluster, or link the routers through the cluster itself',
    ]);
  });

  it('gives a realm with roles the trusted role its links join as', async () => {
    const result = await validateConfig(node([rawsocketLink], [{ name: 'anonymous', permissions: [] }]));
    if (!result.ok) throw new Error(result.issues.map(formatIssue).join('\n'));
    const worker = result.config.workers[0];
    if (worker?.type !== 'router') throw new Error('no router worker');
    expect(realmsOfWorker(worker)[0]?.roles?.map((role) => role.name)).toEqual(['anonymous', 'trusted']);
  });
});
