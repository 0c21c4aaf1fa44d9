/**
 * Crossbar's several router workers on one port (`"endpoint": {"shared": true}`) with
 * `options.cpu_affinity`, started unchanged: each router worker runs as its own process, pinned
 * to its CPU, and a cluster node joined through the local nats-server the node starts; the
 * shared port hands connections to both; Autobahn|JS sessions on both call and publish to each
 * other; `interchange status` lists both workers.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autobahn from 'autobahn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { InterchangeNode } from '../../src/node.js';
import { allowedCpus } from '../../src/workers/cpu-affinity.js';
import { tempDir, workerConfig } from '../helpers.js';

// Node 20 has no global WebSocket; Autobahn|JS uses the global one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

const cli = fileURLToPath(new URL('../../bin/interchange.js', import.meta.url));
const run = promisify(execFile);

interface LogLine {
  msg?: string;
  components?: number;
  pid?: number;
  cpus?: number[];
  node?: string;
  port?: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

async function eventually<T>(check: () => T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A router worker as Crossbar's examples write it, on a shared port, pinned to `cpu`. */
function routerWorker(port: number, cpu: number): Record<string, unknown> {
  return {
    type: 'router',
    options: { cpu_affinity: [cpu] },
    realms: [
      {
        name: 'realm1',
        roles: [
          {
            name: 'anonymous',
            permissions: [
              {
                uri: '',
                match: 'prefix',
                allow: { call: true, register: true, publish: true, subscribe: true },
                disclose: { caller: false, publisher: false },
                cache: true,
              },
            ],
          },
        ],
      },
    ],
    transports: [
      {
        type: 'web',
        endpoint: { type: 'tcp', port, interface: '127.0.0.1', backlog: 1024, shared: true },
        paths: { ws: { type: 'websocket' }, info: { type: 'nodeinfo' } },
      },
    ],
  };
}

function open(url: string): Promise<autobahn.Session> {
  return new Promise((resolve, reject) => {
    const connection = new autobahn.Connection({ url, realm: 'realm1', max_retries: 0 });
    connection.onopen = (session) => resolve(session);
    connection.onclose = (reason, details) => {
      reject(new Error(`connection ${reason}: ${JSON.stringify(details)}`));
      return true;
    };
    connection.open();
  });
}

describe('router workers sharing a port, each its own pinned process', () => {
  let cbdir: string;
  let port: number;
  let node: ChildProcess;
  let exited: Promise<number | null>;
  const lines: LogLine[] = [];
  const sessions: autobahn.Session[] = [];
  let cpus: number[];

  beforeAll(async () => {
    cbdir = await tempDir('interchange-router-processes-');
    port = await freePort();
    const allowed = await allowedCpus();
    // Positions in the CPUs this process may use, as Crossbar reads them; one CPU: both on it.
    cpus = [0, allowed.length > 1 ? 1 : 0];
    // A container worker, as in Crossbar's examples: it runs once, in the first router worker's process.
    await writeFile(
      join(cbdir, 'backend.mjs'),
      "export default async (session) => { await session.register('com.example.pid', () => process.pid); };\n",
    );
    const container = {
      type: 'container',
      components: [
        {
          type: 'class',
          classname: 'backend.mjs',
          realm: 'realm1',
          transport: {
            type: 'websocket',
            endpoint: { type: 'tcp', host: '127.0.0.1', port },
            url: `ws://127.0.0.1:${port}/ws`,
          },
        },
      ],
    };
    const config = {
      version: 2,
      controller: {},
      workers: [...cpus.map((cpu) => routerWorker(port, cpu)), container],
    };
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(config, null, 2));
    expect((await run(process.execPath, [cli, 'check', '--cbdir', cbdir])).stdout).toBe('ok\n');
    node = spawn(process.execPath, [cli, 'start', '--cbdir', cbdir, '--logformat', 'json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.stderr?.resume();
    createInterface({ input: node.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log record
      }
    });
    exited = new Promise((resolve) => node.once('exit', (code) => resolve(code)));
    await eventually(() => lines.filter((l) => l.msg === 'node started').length === 2, 40_000);
  }, 60_000);

  afterAll(async () => {
    for (const session of sessions) session.leave('wamp.close.normal', '');
    if (node.exitCode === null) node.kill('SIGTERM');
    await exited;
    await rm(cbdir, { recursive: true, force: true });
  });

  it('runs each router worker as its own process, pinned to the CPU of its cpu_affinity', async () => {
    const started = lines.filter((l) => l.msg === 'node started').map((l) => l.pid as number);
    expect(new Set(started).size).toBe(2);
    expect(started).not.toContain(node.pid);
    const allowed = await allowedCpus();
    const pinned = lines.filter((l) => l.msg === 'process pinned to CPUs (cpu_affinity)');
    expect(pinned.map((l) => l.cpus).sort()).toEqual(cpus.map((c) => [allowed[c]]).sort());
    for (const line of pinned) {
      const status = await readFile(`/proc/${line.pid}/status`, 'utf8');
      expect(status).toMatch(new RegExp(`^Cpus_allowed_list:\\s*${line.cpus?.join(',')}$`, 'm'));
    }
    const joined = lines.filter((l) => l.msg === 'joined the cluster').map((l) => l.node ?? '');
    expect(joined.map((n) => n.replace(/^.*-/, '')).sort()).toEqual(['w0', 'w1']);
  });

  it('spreads the connections of the shared port over both processes, as status shows', async () => {
    for (let i = 0; i < 4; i++) sessions.push(await open(`ws://127.0.0.1:${port}/ws`));
    const { stdout } = await run(process.execPath, [cli, 'status', '--cbdir', cbdir]);
    expect(stdout).toMatch(/^running \(PID \d+/);
    // The four clients and the container's component.
    expect(stdout).toContain('workers: 2, sessions in all: 5');
    const perWorker = [
      ...stdout.matchAll(/^worker (\d) \(PID (\d+), cluster node \S+-(w\d)\):\n {2}sessions: (\d+)/gm),
    ];
    expect(perWorker.map((m) => m[3])).toEqual(['w0', 'w1']);
    // Clients on both: beyond the component's session, each process holds at least one.
    const host = lines.find((l) => l.msg === 'node started' && l.components === 1)?.pid;
    for (const match of perWorker) {
      const component = Number(match[2]) === host ? 1 : 0;
      expect(Number(match[4]) - component).toBeGreaterThan(0);
    }
    // Plain HTTP requests to the shared port reach both processes too (nodeinfo shows the PID).
    const pids = new Set<number>();
    for (let i = 0; i < 6 && pids.size < 2; i++) {
      const response = await fetch(`http://127.0.0.1:${port}/info`, {
        headers: { accept: 'application/json', connection: 'close' },
      });
      pids.add(((await response.json()) as { pid: number }).pid);
    }
    expect(pids.size).toBe(2);
  });

  it('routes calls and events between sessions on both processes (Autobahn|JS)', async () => {
    const [callee] = sessions as [autobahn.Session];
    await callee.register('com.example.add2', (args) => (args?.[0] as number) + (args?.[1] as number));
    // The registration reaches the other node a moment after REGISTERED.
    const results = await Promise.all(
      sessions.map(async (session) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await session.call('com.example.add2', [2, 3]);
          } catch (error) {
            if (attempt > 200) throw error;
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
        }
      }),
    );
    expect(results).toEqual([5, 5, 5, 5]);

    // The container's component runs once, in one process, and sessions on both reach it.
    const started = lines.filter((l) => l.msg === 'node started');
    expect(started.map((l) => l.components).sort()).toEqual([0, 1]);
    const host = started.find((l) => l.components === 1)?.pid;
    const pids = await Promise.all(sessions.map((session) => session.call('com.example.pid')));
    expect(pids).toEqual(sessions.map(() => host));

    const received = sessions.map(() => 0);
    await Promise.all(
      sessions.map((session, i) =>
        session.subscribe('com.example.ticks', () => {
          received[i] = (received[i] ?? 0) + 1;
        }),
      ),
    );
    const deadline = Date.now() + 10_000;
    while (!received.every((n) => n > 0) && Date.now() < deadline) {
      await callee.publish('com.example.ticks', ['tick'], {}, { exclude_me: false, acknowledge: true });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(received.map((n) => n > 0)).toEqual([true, true, true, true]);
  });

  it('stops every process on SIGTERM', async () => {
    for (const session of sessions.splice(0)) session.leave('wamp.close.normal', '');
    node.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.filter((l) => l.msg === 'node stopped')).toHaveLength(2);
    expect(existsSync(join(cbdir, 'node.pid'))).toBe(false);
  }, 30_000);
});

describe('a single router worker with a shared endpoint', () => {
  it('runs in the node process and takes sessions as usual', async () => {
    const cbdir = await tempDir('interchange-shared-single-');
    const node = await InterchangeNode.start({
      config: workerConfig([
        { type: 'websocket', endpoint: { type: 'tcp', port: 0, interface: '127.0.0.1', shared: true } },
      ]),
      cbdir,
    });
    try {
      const session = await open(`ws://127.0.0.1:${node.addresses[0]?.port}/`);
      await session.register('com.example.one', () => 1);
      expect(await session.call('com.example.one')).toBe(1);
      session.leave('wamp.close.normal', '');
    } finally {
      await node.stop();
      await rm(cbdir, { recursive: true, force: true });
    }
  });
});

describe('InterchangeNode.start with router workers that need processes of their own', () => {
  it('refuses to run them in one process, pointing at the CLI', async () => {
    const cbdir = await tempDir('interchange-one-process-');
    const config = { version: 2, workers: [routerWorker(1234, 0), routerWorker(1234, 0)] };
    await expect(InterchangeNode.start({ config, cbdir })).rejects.toThrow(
      /several router workers with "shared" endpoints or "cpu_affinity" each run as a process of their own: start this config with "interchange start"/,
    );
    await rm(cbdir, { recursive: true, force: true });
  });
});

describe('a cpu_affinity the machine cannot honour', () => {
  it('stops the node with exit code 1, naming the worker and the CPUs there are', async () => {
    const cbdir = await tempDir('interchange-affinity-fail-');
    const port = await freePort();
    const config = { version: 2, workers: [routerWorker(port, 0), routerWorker(port, 4095)] };
    await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
    const child = spawn(process.execPath, [cli, 'start', '--cbdir', cbdir, '--logformat', 'none'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /the node failed to start: worker 1: cpu_affinity \[4095\] names CPU position 4095, but the node may use \d+ CPU/,
    );
    await rm(cbdir, { recursive: true, force: true });
  }, 30_000);
});
