import { TransportError } from '@interchange/protocol';
import { type KV, Kvm } from '@nats-io/kv';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { Logger } from '../logger.js';

/** What {@link connectWithRetry} needs. */
export interface NatsConnectOptions {
  servers: string[];
  credentials?: Uint8Array | undefined;
  tls?: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
  retryMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Creates (or opens) the cluster's buckets: the registration table, the members' routing and
 * the copies of testaments in memory storage (they describe live processes), retained events in file storage (what was
 * acknowledged to a publisher outlives a NATS restart). Replicated three times on a NATS cluster
 * of three servers or more.
 */
export async function openBuckets(
  nc: NatsConnection,
  name: string,
): Promise<{ kv: KV; members: KV; testaments: KV; retained: KV }> {
  const kvm = new Kvm(nc);
  const open = async (bucket: string, storage: 'memory' | 'file'): Promise<KV> => {
    // Three replicas where NATS runs as a cluster, so a bucket outlives the loss of one server;
    // a single server (or a cluster of two) refuses that, and keeps one copy.
    try {
      return await kvm.create(bucket, { history: 1, storage, replicas: 3 } as never);
    } catch {
      return await kvm.create(bucket, { history: 1, storage } as never);
    }
  };
  return {
    kv: await open(`${name}_registrations`, 'memory'),
    members: await open(`${name}_nodes`, 'memory'),
    testaments: await open(`${name}_testaments`, 'memory'),
    retained: await open(`${name}_retained`, 'file'),
  };
}

/** Connects, retrying until NATS answers; each failed attempt is logged, so a node never waits silently. */
export async function connectWithRetry(
  options: NatsConnectOptions,
  node: string,
  logger: Logger,
): Promise<NatsConnection> {
  const connectOptions: NodeConnectionOptions = {
    servers: options.servers,
    name: `interchange ${node}`,
    // A node's own publications are delivered by its own broker; NATS must not echo them back.
    noEcho: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    ...(options.credentials === undefined ? {} : { authenticator: credsAuthenticator(options.credentials) }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  };
  const { retryMs } = options;
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted === true) throw new TransportError('stopped while waiting for NATS');
    try {
      return await connect(connectOptions);
    } catch (error) {
      logger.warn(
        { servers: options.servers, attempt, err: error },
        `cannot reach NATS at ${options.servers.join(', ')}; not joining the cluster yet, retrying in ${retryMs} ms`,
      );
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, retryMs);
      options.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
