/**
 * A real `nats-server` (Debian's, with JetStream) on a free port of 127.0.0.1, and router nodes
 * joined through it, for the cluster tests. Each node is a full router with its own WebSocket
 * listener (the identity of a session comes from its URL, see advanced-router.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, LogMethod } from '@interchange/protocol';
import type { RealmConfig, TransportAuthConfig } from '@interchange/router';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats } from '@nats-io/transport-node';
import { NatsCluster } from '../../../packages/server/src/cluster/nats-cluster.js';
import { type AdvancedRouter, startAdvancedRouter } from '../support/advanced-router.js';
import { eventually } from '../support/advanced-sessions.js';
import { freePort } from '../support/node-process.js';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts nats-server with JetStream; resolves when it says it is ready. With `dir`, JetStream
 * stores there and the directory is kept when the server stops (a restart finds its files);
 * with `cluster`, the server is one of a NATS cluster (its name, route port and routes).
 */
export async function startNats(
  options: {
    port?: number;
    dir?: string;
    cluster?: { name: string; port: number; routes: number[] };
    /** `false`: a server without JetStream (no `-js`). */
    jetstream?: boolean;
  } = {},
): Promise<NatsServer & { kill(): Promise<void> }> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'interchange-nats-')));
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(options.jetstream === false ? [] : ['-js', '-sd', dir])];
  if (options.cluster !== undefined) {
    const { name, port: routePort, routes } = options.cluster;
    args.push('-n', name, '--cluster_name', 'interchange-test', '--cluster', `nats://127.0.0.1:${routePort}`);
    args.push('--routes', routes.map((p) => `nats://127.0.0.1:${p}`).join(','));
  }
  const child = spawn(NATS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`nats-server did not start:\n${output}`));
    }, 10_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited (${code}):\n${output}`));
    });
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stopChild(child);
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true });
    },
    kill: () => stopChild(child, 'SIGKILL'),
  };
}

/**
 * Starts `count` nats-servers joined by cluster routes, each with JetStream, and resolves once
 * JetStream answers as a cluster (a metadata leader is elected).
 */
export async function startNatsCluster(count: number): Promise<(NatsServer & { kill(): Promise<void> })[]> {
  const routePorts: number[] = [];
  for (let i = 0; i < count; i++) routePorts.push(await freePort());
  const servers = await Promise.all(
    routePorts.map((routePort, i) =>
      startNats({
        cluster: { name: `s${i + 1}`, port: routePort, routes: routePorts.filter((p) => p !== routePort) },
      }),
    ),
  );
  const nc = await connectNats({ servers: servers.map((s) => s.url) });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        const jsm = await jetstreamManager(nc);
        // Creating a replicated stream needs the cluster's metadata leader and every server.
        await jsm.streams.add({
          name: 'probe',
          subjects: ['probe.>'],
          num_replicas: count,
          storage: 'memory',
        } as never);
        await jsm.streams.delete('probe');
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await nc.close();
  }
  return servers;
}

/** Stops a child process with SIGTERM (SIGKILL after 5 s) and waits for it. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}

export interface ClusterNode extends AdvancedRouter {
  readonly cluster: NatsCluster;
}

/** Starts a router joined to the cluster on `nats` as node `node`. */
export async function startClusterNode(
  nats: string | string[],
  node: string,
  options: {
    realms?: RealmConfig[];
    heartbeatMs?: number;
    deadNodeMs?: number;
    transportAuth?: TransportAuthConfig;
  } = {},
): Promise<ClusterNode> {
  const realms = options.realms ?? [{ name: 'realm1' }];
  const cluster = await NatsCluster.start({
    servers: Array.isArray(nats) ? nats : [nats],
    node,
    realms,
    // CLUSTER_DEBUG=1 shows what the nodes log (reconnects, dead nodes, refused messages).
    ...(process.env.CLUSTER_DEBUG === undefined ? {} : { logger: debugLogger(node) }),
    heartbeatMs: options.heartbeatMs ?? 200,
    deadNodeMs: options.deadNodeMs ?? 2000,
  });
  const router = await startAdvancedRouter({
    realms,
    cluster,
    ...(options.transportAuth === undefined ? {} : { transportAuth: options.transportAuth }),
  });
  return {
    ...router,
    router: router.router,
    url: (identity) => router.url(identity),
    cluster,
    stop: async () => {
      await router.router.shutdown({ timeoutMs: 500 });
      await router.stop();
      await cluster.close();
    },
  };
}

/**
 * Resolves once every node in `nodes` sees `count` callees on the registration of `uri` under
 * `match` (its own and the mirrored ones of other nodes).
 */
export async function registeredEverywhere(
  nodes: readonly ClusterNode[],
  uri: string,
  count: number,
  match: 'exact' | 'prefix' | 'wildcard' = 'exact',
): Promise<void> {
  for (const node of nodes) {
    const dealer = node.router.realm('realm1')?.dealer;
    await eventually(() => {
      const registration = dealer?.lookup(uri, match);
      return (registration === undefined ? 0 : (dealer?.count(registration.id) ?? 0)) === count;
    });
  }
}

function debugLogger(node: string): Logger {
  const log =
    (level: string): LogMethod =>
    (obj, msg) =>
      console.error(`[${node}] ${level} ${msg ?? ''} ${JSON.stringify(obj)}`);
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') } as Logger;
}
