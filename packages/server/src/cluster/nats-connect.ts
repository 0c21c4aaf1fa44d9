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
 * acknowledged to a publisher outlives a NATS restart).
 */
export async function openBuckets(
  nc: NatsConnection,
  name: string,
): Promise<{ kv: KV; members: KV; testaments: KV; retained: KV }> {
  const kvm = new Kvm(nc);
  const memory = { history: 1, storage: 'memory' } as never;
  return {
    kv: await kvm.create(`${name}_registrations`, memory),
    members: await kvm.create(`${name}_nodes`, memory),
    testaments: await kvm.create(`${name}_testaments`, memory),
    retained: await kvm.create(`${name}_retained`, { history: 1, storage: 'file' } as never),
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
