/**
 * The typed Connection's opt-in `resubscribe` against a real node that is killed and started
 * again: subscriptions and registrations come back on the new session with their handlers, what
 * was unsubscribed stays gone, and `onrestore` names what could not be restored.
 */
import {
  Connection,
  connect,
  type RestoreReport,
  type Session,
  type TransportFactory,
  webSocketTransportFactory,
} from '@interchange/client';
import { describe, expect, it } from 'vitest';
import { signal } from './support/advanced-sessions.js';
import { FAST_RETRY, startRestartingNode } from './support/restarting-node.js';

describe('Connection with resubscribe: true, whose node restarts', () => {
  it('restores subscriptions and registrations with their handlers, and reports what it could not', async () => {
    const node = await startRestartingNode();
    const url = node.url;
    // Reconnect attempts wait at this gate, so the test decides what the restarted node holds
    // before the connection comes back.
    let gate: Promise<void> = Promise.resolve();
    const websocket = webSocketTransportFactory({ url });
    const transportFactory: TransportFactory = async (abort) => {
      await gate;
      return websocket(abort);
    };
    const connection = new Connection({
      url,
      realm: 'realm1',
      transportFactory,
      resubscribe: true,
      ...FAST_RETRY,
    });
    const opened: Session[] = [];
    const reports: RestoreReport[] = [];
    let nextOpen = signal();
    connection.onopen = (session) => {
      opened.push(session);
      nextOpen.resolve();
    };
    connection.onrestore = (report) => reports.push(report);
    const events: unknown[] = [];
    let eventSeen = signal();
    let other: Session | undefined;
    let droppedEvents = 0;
    try {
      connection.open();
      await nextOpen.promise;
      const first = opened[0] as Session;
      await first.subscribe('com.e2e.news', (event) => {
        events.push(event.args[0]);
        eventSeen.resolve();
      });
      const dropped = await first.subscribe('com.e2e.dropped', () => {
        droppedEvents += 1;
      });
      await dropped.unsubscribe();
      await first.register('com.e2e.where', () => 'restored');
      await first.register('com.e2e.taken', () => 'mine');

      // The node dies; while the connection waits at the gate, the restarted node gets another
      // session that registers one of the procedures first.
      let openGate!: () => void;
      gate = new Promise((resolve) => {
        openGate = resolve;
      });
      nextOpen = signal();
      await node.kill();
      await node.restart();
      other = await connect({ url, realm: 'realm1' });
      await other.register('com.e2e.taken', () => 'theirs');
      openGate();
      await nextOpen.promise;

      expect(opened).toHaveLength(2);
      expect(reports).toHaveLength(1);
      const report = reports[0] as RestoreReport;
      expect(report.subscriptions.map((s) => s.topic)).toEqual(['com.e2e.news']);
      expect(report.registrations.map((r) => r.procedure)).toEqual(['com.e2e.where']);
      expect(report.failed).toHaveLength(1);
      expect(report.failed[0]).toMatchObject({
        kind: 'registration',
        uri: 'com.e2e.taken',
        error: { uri: 'wamp.error.procedure_already_exists' },
      });

      // What a user sees: the old handlers answer on the new node.
      expect((await other.call('com.e2e.where')).args).toEqual(['restored']);
      expect((await other.call('com.e2e.taken')).args).toEqual(['theirs']);
      // Events of one publisher arrive in order: the unsubscribed topic's would come first.
      eventSeen = signal();
      await other.publish('com.e2e.dropped', [1], { acknowledge: true });
      await other.publish('com.e2e.news', ['after restart'], { acknowledge: true });
      await eventSeen.promise;
      expect(events).toEqual(['after restart']);
      expect(droppedEvents).toBe(0);

      // Unregistered now, so gone after the next restart.
      await report.registrations[0]?.unregister();
      nextOpen = signal();
      await other.leave();
      other = undefined;
      await node.kill();
      await node.restart();
      await nextOpen.promise;
      expect(reports).toHaveLength(2);
      expect(reports[1]?.registrations).toEqual([]);
      expect(reports[1]?.subscriptions.map((s) => s.topic)).toEqual(['com.e2e.news']);
      expect(reports[1]?.failed).toEqual([]);
    } finally {
      await other?.leave().catch(() => {});
      await connection.close();
      await node.stop();
    }
  });

  it('restores nothing without resubscribe, as Autobahn|JS', async () => {
    const node = await startRestartingNode();
    const connection = new Connection({ url: node.url, realm: 'realm1', ...FAST_RETRY });
    const opened: Session[] = [];
    let nextOpen = signal();
    connection.onopen = (session) => {
      opened.push(session);
      nextOpen.resolve();
    };
    let restored = false;
    connection.onrestore = () => {
      restored = true;
    };
    try {
      connection.open();
      await nextOpen.promise;
      await opened[0]?.register('com.e2e.where', () => 'first node');
      nextOpen = signal();
      await node.kill();
      await node.restart();
      await nextOpen.promise;
      await expect(opened[1]?.call('com.e2e.where')).rejects.toMatchObject({ uri: 'wamp.error.no_such_procedure' });
      expect(restored).toBe(false);
    } finally {
      await connection.close();
      await node.stop();
    }
  });
});
