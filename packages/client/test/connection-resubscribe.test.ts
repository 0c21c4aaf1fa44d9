/**
 * `resubscribe: true` of the typed Connection (session-restore.ts) on the scripted network:
 * what is restored, in which order relative to `onopen`, and what is not. The same against a
 * real node that restarts: test/e2e/client-resubscribe.test.ts.
 */
import { InvalidArgumentError } from '@interchange/protocol';
import { describe, expect, it } from 'vitest';
import { Connection, type Event, type RestoreReport, type Session } from '../src/index.js';
import { FakeClock, flush } from './helpers/fake-clock.js';
import { FakeNetwork } from './helpers/fake-network.js';

describe('Connection with resubscribe', () => {
  it('subscribes again with the same handler on the new session, before onopen; not what has no handler', async () => {
    const network = new FakeNetwork();
    const clock = new FakeClock();
    const connection = new Connection({
      realm: 'votesapp',
      transportFactory: network.factory,
      clock,
      retry_delay_jitter: 0,
      resubscribe: true,
    });
    const log: string[] = [];
    const seen: unknown[] = [];
    const opened: Session[] = [];
    const reports: RestoreReport[] = [];
    connection.onopen = (session) => {
      log.push(`open ${network.last.received.map((m) => m.type).join(' ')}`);
      opened.push(session);
    };
    connection.onrestore = (report) => {
      log.push('restore');
      reports.push(report);
    };
    connection.open();
    await flush();
    const first = opened[0] as Session;
    await first.subscribe('com.example.on_vote', (event: Event) => void seen.push(event.args[0]), {
      match: 'prefix',
    });
    await first.subscribe('com.example.iterated');

    network.last.end.drop();
    await flush();
    clock.advance(1500);
    await flush();

    expect(opened).toHaveLength(2);
    expect(log).toEqual(['open HELLO', 'restore', 'open HELLO SUBSCRIBE']);
    const resubscribe = network.last.received[1];
    expect(resubscribe).toMatchObject({
      type: 'SUBSCRIBE',
      topic: 'com.example.on_vote',
      options: { match: 'prefix' },
    });
    const [restored] = reports[0]?.subscriptions ?? [];
    expect(restored?.active).toBe(true);
    expect(reports[0]?.failed).toEqual([]);

    network.last.end.send({
      type: 'EVENT',
      subscription: restored?.id as number,
      publication: 7,
      details: { topic: 'com.example.on_vote.banana' },
      args: ['banana'],
    });
    await flush();
    expect(seen).toEqual(['banana']);
    await connection.close();
  });

  it('refuses a resubscribe option that is not a boolean', () => {
    expect(
      () => new Connection({ realm: 'r', url: 'ws://127.0.0.1:1/', resubscribe: 'yes' as unknown as boolean }),
    ).toThrow(InvalidArgumentError);
  });
});
