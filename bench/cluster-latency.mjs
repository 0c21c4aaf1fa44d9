#!/usr/bin/env node
/**
 * What a call costs when it crosses nodes: two Interchange node processes joined through a local
 * nats-server, a callee on node 1, and calls at a fixed rate from a caller on node 1 (both on one
 * node) and from a caller on node 2 (crossing NATS twice: INVOCATION out, YIELD back). Prints
 * p50/p90/p99 of each. Never part of `npm test`.
 *
 *   node bench/cluster-latency.mjs [--rate 1000] [--seconds 5]
 *
 * Needs `nats-server` (Debian's package; /usr/sbin/nats-server or on PATH) and a build (`npx tsc -b`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { connect } from '@interchange/client';

const { values } = parseArgs({ options: { rate: { type: 'string' }, seconds: { type: 'string' } } });
const rate = Number(values.rate ?? 1000);
const seconds = Number(values.seconds ?? 5);
const cli = fileURLToPath(new URL('../packages/server/bin/interchange.js', import.meta.url));
const natsBinary = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once a line of its output satisfies `ready`. */
function start(command, args, ready, stream = 'stdout') {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start`)), 20_000);
    createInterface({ input: child[stream] }).on('line', (line) => {
      if (ready(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${command} exited (${code})`)));
  });
}

async function startNode(dir, nats, node, port) {
  const cbdir = join(dir, node);
  await mkdir(cbdir, { recursive: true });
  const config = {
    version: 2,
    cluster: { type: 'nats', servers: [nats], node },
    workers: [
      {
        type: 'router',
        realms: [{ name: 'realm1' }],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: '127.0.0.1' } }],
      },
    ],
  };
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  return start(process.execPath, [cli, 'start', '--cbdir', cbdir], (line) => line.includes('"transport listening"'));
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Calls at `rate` per second for `seconds`; returns the sorted latencies in microseconds. */
async function measure(session) {
  const latencies = [];
  const total = rate * seconds;
  const interval = 1000 / rate;
  const begin = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const sent = performance.now();
    pending.push(session.call('bench.echo', [i]).then(() => latencies.push((performance.now() - sent) * 1000)));
  }
  await Promise.all(pending);
  return latencies.sort((a, b) => a - b);
}

const dir = await mkdtemp(join(tmpdir(), 'interchange-cluster-bench-'));
const natsPort = await freePort();
const children = [];
try {
  children.push(
    await start(
      natsBinary,
      ['-a', '127.0.0.1', '-p', String(natsPort), '-js', '-sd', join(dir, 'nats')],
      (line) => line.includes('Server is ready'),
      'stderr',
    ),
  );
  const nats = `nats://127.0.0.1:${natsPort}`;
  const ports = [await freePort(), await freePort()];
  children.push(await startNode(dir, nats, 'n1', ports[0]));
  children.push(await startNode(dir, nats, 'n2', ports[1]));
  const callee = await connect({ url: `ws://127.0.0.1:${ports[0]}/`, realm: 'realm1', serializers: ['msgpack'] });
  await callee.register('bench.echo', ({ args }) => args[0]);
  const local = await connect({ url: `ws://127.0.0.1:${ports[0]}/`, realm: 'realm1', serializers: ['msgpack'] });
  const remote = await connect({ url: `ws://127.0.0.1:${ports[1]}/`, realm: 'realm1', serializers: ['msgpack'] });
  for (;;) {
    try {
      await remote.call('bench.echo', [0]);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  // Both paths measured twice, alternated, so a noisy moment of the machine hits both.
  const results = { local: [], remote: [] };
  for (const [name, session] of [
    ['local', local],
    ['remote', remote],
    ['local', local],
    ['remote', remote],
  ]) {
    results[name].push(...(await measure(session)));
  }
  console.log(
    `${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}; ${rate} calls/s for ${seconds} s, twice each, msgpack`,
  );
  for (const name of ['local', 'remote']) {
    const sorted = results[name].sort((a, b) => a - b);
    console.log(
      `${name === 'local' ? 'caller and callee on one node  ' : 'caller and callee on two nodes '}: p50 ${percentile(sorted, 50).toFixed(0)} µs, p90 ${percentile(sorted, 90).toFixed(0)} µs, p99 ${percentile(sorted, 99).toFixed(0)} µs (${sorted.length} calls)`,
    );
  }
  await Promise.all([callee.leave(), local.leave(), remote.leave()]);
} finally {
  for (const child of children.reverse()) {
    await new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGTERM');
    });
  }
  await rm(dir, { recursive: true, force: true });
}
