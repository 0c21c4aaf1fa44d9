/**
 * The processes of the cluster benches (cluster-crossing.mjs, cluster-turns.mjs): a nats-server
 * with JetStream on a free port, node processes of an Interchange bundle joined through it
 * (targets/interchange-cluster-node.mjs), small helpers that report `ready` over IPC, and
 * stopping any of them.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { natsServerBinary } from './scenario-cluster.mjs';

const targets = join(dirname(fileURLToPath(import.meta.url)), '..', 'targets');

/** A nats-server with JetStream storing in `dir`; resolves with `{ child, url }` once it is ready. */
export function startNats(dir) {
  const child = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', '-1', '-js', '-sd', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nats-server did not start')), 20_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      const port = /Listening for client connections on [\d.]+:(\d+)/.exec(line)?.[1];
      if (port !== undefined) child.port = Number(port);
      if (line.includes('Server is ready')) {
        clearTimeout(timer);
        resolve({ child, url: `nats://127.0.0.1:${child.port}` });
      }
    });
    child.once('exit', (code) => reject(new Error(`nats-server exited (${code})`)));
  });
}

/**
 * A Node script of bench/targets started with `args`, that sends `{ type: 'ready', ... }` over IPC
 * once it serves (or `{ message }` when it cannot); resolves with `{ child, pid, ...ready }`.
 */
export function startReporting(script, args, { name = script, execArgv = [] } = {}) {
  const child = spawn(process.execPath, [...execArgv, join(targets, script), ...args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => {
      if (message.type === 'ready') resolve({ ...message, child, pid: child.pid });
      else reject(new Error(message.message));
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)));
  });
}

/** A node process of `bundle` joined to the cluster on `nats` as `node`; resolves with `{ child, pid, port }`. */
export function startNode(bundle, nats, node, { execArgv = [] } = {}) {
  return startReporting('interchange-cluster-node.mjs', ['--bundle', bundle, '--nats', nats, '--node', node], {
    name: `node ${node}`,
    execArgv,
  });
}

/** Stops `child` with `how` (a signal or an IPC `exit`); resolves once it exited. */
export function stopChild(child, how = () => child.kill('SIGTERM')) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    how();
  });
}
