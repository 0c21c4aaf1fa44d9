/**
 * `interchange status` of a node of several processes: the total of sessions, then each
 * worker's figures under a line naming its process and cluster node (status-report.ts).
 */
import { describe, expect, it } from 'vitest';
import { formatWorkers } from '../../src/cli/status-report.js';
import type { WorkerStatus } from '../../src/cli/worker-status.js';
import type { ActivitySnapshot } from '../../src/metrics/node-activity.js';

function snapshot(sessions: number, messagesReceived: number): ActivitySnapshot {
  return {
    sessions,
    messagesReceived,
    messagesSent: messagesReceived,
    realms: [{ realm: 'realm1', sessions, subscriptions: 0, registrations: 1 }],
    transports: [],
    memory: { rss: 64 * 1024 * 1024, heapUsed: 8 * 1024 * 1024, heapTotal: 16 * 1024 * 1024 },
    uptime: 65,
  } as ActivitySnapshot;
}

const worker = (index: number, activity: ActivitySnapshot | undefined): WorkerStatus => ({
  index,
  pid: 100 + index,
  node: `n1-w${index}`,
  activity,
});

describe('status of several worker processes', () => {
  it('adds up the sessions and shows each worker with its own rates', () => {
    const text = formatWorkers(
      [worker(0, snapshot(2, 10)), worker(1, snapshot(3, 0))],
      [worker(0, snapshot(2, 30)), worker(1, snapshot(3, 5))],
      1,
    );
    expect(text.split('\n').slice(0, 4)).toEqual([
      'workers: 2, sessions in all: 5',
      'worker 0 (PID 100, cluster node n1-w0):',
      '  sessions: 2',
      '    realm realm1: 2 sessions, 0 subscriptions, 1 registrations',
    ]);
    expect(text).toContain('  messages: 20.0/s in, 20.0/s out');
    expect(text).toContain('worker 1 (PID 101, cluster node n1-w1):\n  sessions: 3');
  });

  it('names a worker that did not answer instead of leaving it out', () => {
    const text = formatWorkers([worker(0, snapshot(1, 0))], [worker(0, snapshot(1, 0)), worker(1, undefined)], 1);
    expect(text).toContain('worker 1 (PID 101, cluster node n1-w1): starting or not answering, no figures');
    expect(text.startsWith('workers: 2, sessions in all: 1\n')).toBe(true);
  });
});
