import { readFile } from 'node:fs/promises';
import type { RealmConfig } from '@interchange/router';
import type { ClusterConfig } from '../config/cluster-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import { generateNodeId, NatsCluster } from './nats-cluster.js';

/** Options of {@link startClusterMember}. */
export interface ClusterMemberOptions {
  cbdir: string;
  logger: Logger;
  /** `interchange start --node-id`: overrides the config's `node`. */
  nodeId?: string | undefined;
  /** Told apart when one node runs several router workers: `<node>-<suffix>`. */
  suffix?: string | undefined;
  /** The worker's realms, compared with the other nodes' at join. */
  realms?: readonly RealmConfig[] | undefined;
  /** Aborts the wait for NATS (the node is being stopped before it started). */
  signal?: AbortSignal | undefined;
}

/**
 * Joins a router worker to the cluster the node config's `cluster` block describes: reads the
 * credentials and TLS files from the node directory and connects (retrying while NATS cannot be
 * reached, with a warning each time).
 */
export async function startClusterMember(config: ClusterConfig, options: ClusterMemberOptions): Promise<NatsCluster> {
  const base = options.nodeId ?? config.node ?? generateNodeId();
  const node = options.suffix === undefined ? base : `${base}-${options.suffix}`;
  const path = (file: string) => resolveInCbdir(options.cbdir, file);
  const tls =
    config.tls === undefined
      ? undefined
      : {
          ...(config.tls.ca === undefined ? {} : { caFile: path(config.tls.ca) }),
          ...(config.tls.certificate === undefined ? {} : { certFile: path(config.tls.certificate) }),
          ...(config.tls.key === undefined ? {} : { keyFile: path(config.tls.key) }),
        };
  return NatsCluster.start({
    servers: config.servers,
    node,
    logger: options.logger,
    ...(config.name === undefined ? {} : { name: config.name }),
    ...(config.credentials === undefined ? {} : { credentials: await readFile(path(config.credentials)) }),
    ...(tls === undefined ? {} : { tls }),
    ...(config.heartbeat_interval === undefined ? {} : { heartbeatMs: config.heartbeat_interval }),
    ...(config.dead_node_timeout === undefined ? {} : { deadNodeMs: config.dead_node_timeout }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.realms === undefined ? {} : { realms: options.realms }),
  });
}
