import { describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/config-issues.js';
import { validateConfig } from '../../src/config/validate-config.js';

function nodeWith(cluster: unknown): Record<string, unknown> {
  return { version: 2, workers: [{ type: 'router', realms: [{ name: 'realm1' }] }], cluster };
}

async function problems(cluster: unknown): Promise<string[]> {
  const result = await validateConfig(nodeWith(cluster));
  return result.ok ? [] : result.issues.map(formatIssue);
}

describe('the cluster block', () => {
  it('accepts the minimal block and every option', async () => {
    expect(await problems({ type: 'nats', servers: ['nats://127.0.0.1:4222'] })).toEqual([]);
    const full = {
      type: 'nats',
      servers: ['nats://10.0.0.1:4222', 'tls://10.0.0.2:4222'],
      name: 'prod-eu',
      node: 'node_1',
      credentials: 'nats.creds',
      tls: { ca: 'ca.pem', certificate: 'client.pem', key: 'client.key' },
      heartbeat_interval: 500,
      dead_node_timeout: 5000,
    };
    const result = await validateConfig(nodeWith(full));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config.cluster).toEqual(full);
  });

  it('names each bad key', async () => {
    expect(await problems({ type: 'redis', servers: ['nats://x:1'] })).toEqual([
      expect.stringContaining('cluster.type'),
    ]);
    expect((await problems({ type: 'nats', servers: [] })).join('\n')).toContain('cluster.servers');
    expect((await problems({ type: 'nats', servers: ['http://x'] })).join('\n')).toContain('NATS server URL');
    expect((await problems({ type: 'nats', servers: ['nats://x:1'], node: 'a.b' })).join('\n')).toContain(
      'cluster.node',
    );
    expect((await problems({ type: 'nats', servers: ['nats://x:1'], name: 'a b' })).join('\n')).toContain(
      'cluster.name',
    );
    expect((await problems({ type: 'nats', servers: ['nats://x:1'], bogus: 1 })).join('\n')).toContain('cluster.bogus');
    expect(
      (
        await problems({ type: 'nats', servers: ['nats://x:1'], heartbeat_interval: 1000, dead_node_timeout: 1500 })
      ).join('\n'),
    ).toContain('cluster.dead_node_timeout');
    expect(
      (await problems({ type: 'nats', servers: ['nats://x:1'], tls: { certificate: 'c.pem' } })).join('\n'),
    ).toContain('cluster.tls');
  });
});
