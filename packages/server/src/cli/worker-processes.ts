/**
 * One node as several router processes on one machine (docs/scaling.md): `interchange start
 * --workers N`, where each of N workers runs the whole node config, or a config whose router
 * workers use Crossbar's `shared` endpoints or `cpu_affinity` (config/router-processes.ts), where
 * each process runs one router worker. The first process (Node's `cluster` primary) forks the
 * workers; each is its own cluster node, and their listeners share each configured port (the
 * primary holds the listening socket and hands connections to the workers in turn). Without a
 * `cluster` block in the config, the primary starts a local `nats-server` (with JetStream) for
 * them on 127.0.0.1 and stops it at the end.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { generateNodeId } from '../cluster/nats-cluster.js';
import type { ClusterConfig } from '../config/cluster-schema.js';
import type { Logger } from '../logger.js';
import { isNodeShutdownRequest } from './worker-shutdown-request.js';

/** Set in a worker's environment: its index, from 0. */
export const WORKER_INDEX_ENV = 'INTERCHANGE_WORKER';
/** Set in a worker's environment: its cluster node ID. */
export const WORKER_NODE_ENV = 'INTERCHANGE_WORKER_NODE';
/** Set in a worker's environment when the primary runs NATS for the workers: its URL. */
export const WORKER_NATS_ENV = 'INTERCHANGE_WORKER_NATS';
/**
 * Set in a worker's environment when it runs one router worker of the config (shared endpoints
 * or cpu_affinity, config/router-processes.ts): that worker's index in `workers`.
 */
export const WORKER_ROUTER_ENV = 'INTERCHANGE_WORKER_ROUTER';

/** What a forked worker is told by its primary. */
export interface WorkerSettings {
  index: number;
  node: string;
  cluster: ClusterConfig | undefined;
  /** The router worker of the config this process runs; undefined: the whole config (`--workers`). */
  router: number | undefined;
}

/** What a forked worker is told by its primary, or `undefined` in any other process. */
export function workerSettings(): WorkerSettings | undefined {
  const index = process.env[WORKER_INDEX_ENV];
  const node = process.env[WORKER_NODE_ENV];
  if (!cluster.isWorker || index === undefined || node === undefined) return undefined;
  const nats = process.env[WORKER_NATS_ENV];
  const router = process.env[WORKER_ROUTER_ENV];
  return {
    index: Number(index),
    node,
    cluster: nats === undefined ? undefined : { type: 'nats', servers: [nats] },
    router: router === undefined ? undefined : Number(router),
  };
}

/**
 * A worker stops on the first SIGINT (the terminal sends it to the whole process group) or
 * SIGTERM (from its primary), or when its primary is gone; later signals do not cut its orderly
 * stop short (its primary kills it if it takes too long).
 */
export function workerWaitForStop(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (reason: string) => resolve(reason);
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.once('disconnect', () => stop('primary gone'));
  });
}

/** How long the primary waits for its workers' orderly stop before it kills them. */
const WORKER_STOP_MS = 10_000;

/** Where `nats-server` is: on PATH, or Debian's /usr/sbin (not on every user's PATH). */
export async function findNatsServer(): Promise<string | undefined> {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const directory of directories) {
    if (directory === '') continue;
    const candidate = join(directory, 'nats-server');
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
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

/** A nats-server the primary runs for its workers. */
export interface LocalNats {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts `nats-server` with JetStream on a free port of 127.0.0.1, its store in a temporary
 * directory; resolves once it says it is ready.
 */
export async function startLocalNats(binary: string, logger: Logger): Promise<LocalNats> {
  const port = await freePort();
  const store = await mkdtemp(join(tmpdir(), 'interchange-nats-'));
  const child = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nats-server did not become ready in 10 s')), 10_000);
    lines.on('line', (line) => {
      if (line.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${String(code)}) before it was ready`));
    });
  });
  const url = `nats://127.0.0.1:${port}`;
  logger.info({ url, pid: child.pid }, 'local nats-server started for the workers');
  return {
    url,
    stop: async () => {
      await stopChild(child);
      await rm(store, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Options of {@link runWorkers}. */
export interface RunWorkersOptions {
  count: number;
  /** The `start` arguments the workers run with (config and cbdir, without `--workers`). */
  args: string[];
  /** The node ID the workers' IDs derive from: `<node>-w<i>`, or `<node>-<name>` with `routers`. */
  node: string | undefined;
  /**
   * Each process runs one router worker of the config (config/router-processes.ts): its index in
   * `workers` and the name its node ID ends in. Given, it sets the number of processes.
   */
  routers?: readonly { index: number; name: string }[];
  /** Called once the workers are forked, with each one's cluster node ID (for `status`). */
  onForked?: (workers: readonly { worker: Worker; node: string }[]) => void;
  /** The primary's NATS for the workers, when the config has no `cluster` block. */
  nats: string | undefined;
  logger: Logger;
  /** Resolves when the primary should stop. */
  waitForStop: () => Promise<string>;
}

/**
 * Forks the workers and supervises them until `waitForStop` resolves or a worker ends on its
 * own (then the others are stopped too: a node is all its workers). Resolves with the exit code.
 */
export async function runWorkers(options: RunWorkersOptions): Promise<number> {
  const base = options.node ?? generateNodeId();
  cluster.setupPrimary({ exec: process.argv[1] as string, args: options.args });
  const workers: Worker[] = [];
  const exited: Promise<void>[] = [];
  let stopping = false;
  let failed = false;
  let onUnexpected: () => void = () => undefined;
  let onRequested: () => void = () => undefined;
  const unexpected = new Promise<string>((resolve) => {
    onUnexpected = () => resolve('worker exit');
    onRequested = () => {
      // Before that worker exits: its exit is then part of the stop, not a failure.
      stopping = true;
      resolve('crossbar.shutdown');
    };
  });
  const forked: { worker: Worker; node: string }[] = [];
  const count = options.routers?.length ?? options.count;
  for (let i = 0; i < count; i++) {
    const router = options.routers?.[i];
    const node = `${base}-${router?.name ?? `w${i}`}`;
    const env: Record<string, string> = { [WORKER_INDEX_ENV]: String(i), [WORKER_NODE_ENV]: node };
    if (options.nats !== undefined) env[WORKER_NATS_ENV] = options.nats;
    if (router !== undefined) env[WORKER_ROUTER_ENV] = String(router.index);
    const worker = cluster.fork(env);
    worker.on('message', (message: unknown) => {
      if (isNodeShutdownRequest(message)) onRequested();
    });
    workers.push(worker);
    forked.push({ worker, node });
    exited.push(
      new Promise<void>((resolve) => {
        worker.once('exit', (code, signal) => {
          if (!stopping) {
            failed = true;
            options.logger.error({ worker: i, code, signal }, 'a worker ended; stopping the node');
            onUnexpected();
          }
          resolve();
        });
      }),
    );
  }
  options.onForked?.(forked);
  options.logger.info({ workers: count, node: base }, 'workers started');
  const reason = await Promise.race([options.waitForStop(), unexpected]);
  stopping = true;
  options.logger.info({ reason }, 'stopping the workers');
  for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGTERM');
  const killer = setTimeout(() => {
    for (const worker of workers) if (!worker.isDead()) worker.process.kill('SIGKILL');
  }, WORKER_STOP_MS);
  await Promise.all(exited);
  clearTimeout(killer);
  return failed ? 1 : 0;
}
