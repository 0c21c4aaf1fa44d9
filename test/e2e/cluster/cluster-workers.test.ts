/**
 * `interchange start --workers 2` with a config without a `cluster` block: the node starts a
 * local nats-server, forks two worker processes that join through it as cluster nodes and share
 * the configured port, and stops all of it on SIGTERM.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { connect, type Event, type Session } from '@interchange/client';
import { expect, it } from 'vitest';
import { eventually, leaveAll } from '../support/advanced-sessions.js';
import { routerConfig } from '../support/config-node.js';
import { freePort } from '../support/node-process.js';

const cli = fileURLToPath(new URL('../../../packages/server/bin/interchange.js', import.meta.url));

interface LogLine {
  msg?: string;
  pid?: number;
  node?: string;
  port?: number;
  url?: string;
}

it('runs two worker processes on one port, joined through a local nats-server, and stops them', async () => {
  const port = await freePort();
  const cbdir = await mkdtemp(join(tmpdir(), 'interchange-workers-'));
  const config = routerConfig(
    [{ name: 'realm1' }],
    [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: '127.0.0.1' } }],
  );
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  const node = spawn(process.execPath, [cli, 'start', '--cbdir', cbdir, '--workers', '2'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  node.stderr?.resume();
  const lines: LogLine[] = [];
  createInterface({ input: node.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // not a log record
    }
  });
  const exited = new Promise<number | null>((resolve) => node.once('exit', (code) => resolve(code)));
  const sessions: Session[] = [];
  try {
    const listening = () => lines.filter((l) => l.msg === 'transport listening' && l.port === port);
    await eventually(() => listening().length === 2, 20_000);
    expect(new Set(listening().map((l) => l.pid)).size).toBe(2);
    const joined = lines.filter((l) => l.msg === 'joined the cluster').map((l) => l.node ?? '');
    expect(joined.map((n) => n.replace(/^.*-/, '')).sort()).toEqual(['w0', 'w1']);
    const nats = lines.find((l) => l.msg === 'local nats-server started for the workers');
    expect(nats?.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);

    for (let i = 0; i < 4; i++) sessions.push(await connect({ url: `ws://127.0.0.1:${port}/`, realm: 'realm1' }));
    const [first] = sessions as [Session];
    // The meta API counts the sessions of both workers.
    expect((await first.call('wamp.session.count')).args).toEqual([4]);
    // `status` asks both worker processes for their figures (the primary holds the control socket).
    const status = await new Promise<string>((resolve) => {
      execFile(process.execPath, [cli, 'status', '--cbdir', cbdir], (_error, stdout) => resolve(stdout));
    });
    expect(status).toContain('workers: 2, sessions in all: 4');
    expect([...status.matchAll(/^worker \d \(PID \d+, cluster node \S+-(w\d)\):$/gm)].map((m) => m[1])).toEqual([
      'w0',
      'w1',
    ]);

    await first.register('com.workers.add', ({ args }) => (args[0] as number) + (args[1] as number));
    const results = await Promise.all(
      sessions.map(async (session) => {
        for (;;) {
          try {
            return (await session.call('com.workers.add', [2, 3])).args[0];
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
      }),
    );
    expect(results).toEqual([5, 5, 5, 5]);

    const received = sessions.map(() => [] as Event[]);
    for (const [i, session] of sessions.entries())
      await session.subscribe('com.workers.t', (e) => void received[i]?.push(e));
    await eventually(() => {
      void first.publish('com.workers.t', ['hi'], { exclude_me: false });
      return received.every((events) => events.length > 0);
    }, 10_000);
  } finally {
    await leaveAll(sessions);
    node.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
  expect(lines.filter((l) => l.msg === 'node stopped')).toHaveLength(2);
  expect(existsSync(join(cbdir, 'node.pid'))).toBe(false);
  // The local nats-server went with the node.
  const natsPort = Number(
    lines
      .find((l) => l.url?.startsWith('nats://'))
      ?.url?.split(':')
      .pop(),
  );
  const refused = await new Promise<boolean>((resolve) => {
    const socket = createConnection({ port: natsPort, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  expect(refused).toBe(true);
  await rm(cbdir, { recursive: true, force: true });
});
