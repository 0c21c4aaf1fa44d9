/**
 * A node config with Crossbar's realm `store` block gives its topics an event history that
 * `wamp.subscription.get_events` reads (the semantics are tested in event-history.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Session } from '@interchange/client';
import { InterchangeNode } from '@interchange/server';
import { describe, expect, it } from 'vitest';
import { routerConfig } from '../support/config-node.js';

describe('the realm store block of a node config', () => {
  it('keeps an event history for the configured topics', async () => {
    const cbdir = await mkdtemp(join(tmpdir(), 'interchange-event-history-'));
    let node: InterchangeNode | undefined;
    let session: Session | undefined;
    try {
      node = await InterchangeNode.start({
        cbdir,
        config: routerConfig(
          [
            {
              name: 'realm1',
              store: { type: 'memory', 'event-history': [{ uri: 'com.e2e.node.log', limit: 2 }] },
            },
          ],
          [{ type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1' } }],
        ),
      });
      session = await connect({ url: `ws://127.0.0.1:${node.addresses[0]?.port}/`, realm: 'realm1' });
      for (const n of [1, 2, 3]) await session.publish('com.e2e.node.log', [n], { acknowledge: true });
      const id = await session.meta.subscriptions.lookup('com.e2e.node.log');
      expect(id).toBeTypeOf('number');
      const events = await session.meta.subscriptions.getEvents(id as number, 2);
      expect(events.map((event) => event.args[0])).toEqual([3, 2]);
    } finally {
      await session?.leave();
      await node?.stop();
      await rm(cbdir, { recursive: true, force: true });
    }
  });

  it('is validated like every other key', async () => {
    const { formatIssue, validateConfig } = await import('@interchange/server');
    const result = await validateConfig({
      version: 2,
      workers: [{ type: 'router', realms: [{ name: 'realm1', store: { type: 'redis' } }] }],
    });
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.issues.map(formatIssue);
    expect(messages.join('\n')).toContain('workers[0].realms[0].store.type');
  });
});
