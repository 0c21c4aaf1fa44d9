/**
 * The node's `cluster` block, an Interchange addition beside Crossbar's keys (docs/scaling.md): several nodes started with the same realms and the same `cluster` form one router
 * through NATS.
 *
 * ```json
 * "cluster": { "type": "nats", "servers": ["nats://127.0.0.1:4222"] }
 * ```
 */
import { z } from 'zod';
import { integer, list, nonEmptyString, oneOf, section, value } from './schema-builders.js';

const TOKEN = /^[A-Za-z0-9_-]+$/;
const TOKEN_EXPECTED = 'letters, digits, "_" and "-" only';

/** A NATS server URL. */
const natsUrl = value<string>(
  'a NATS server URL such as "nats://127.0.0.1:4222"',
  (v) => typeof v === 'string' && /^(nats|tls|ws|wss):\/\/[^\s]+$/.test(v),
);

/** The `cluster` block. */
export const clusterSchema = section({
  type: oneOf(['nats']),
  /** NATS servers to connect to (any of them; NATS fails over between them). */
  servers: list(natsUrl, { nonEmpty: true }),
  /** Prefix of every subject and of the registration bucket, so several clusters can share one NATS. */
  name: value<string>(`a cluster name: ${TOKEN_EXPECTED}`, (v) => typeof v === 'string' && TOKEN.test(v)).optional(),
  /** This node's ID; generated when absent (`interchange start --node-id` overrides it). */
  node: value<string>(`a node ID: ${TOKEN_EXPECTED}`, (v) => typeof v === 'string' && TOKEN.test(v)).optional(),
  /** A NATS `.creds` file (JWT and NKey seed), relative to the node directory. */
  credentials: nonEmptyString().optional(),
  /** TLS to NATS: PEM files relative to the node directory. */
  tls: section({
    ca: nonEmptyString().optional(),
    certificate: nonEmptyString().optional(),
    key: nonEmptyString().optional(),
  }).optional(),
  /** How often a node says it is alive, in ms (default 1000). */
  heartbeat_interval: integer(50, 60_000).optional(),
  /**
   * A node not heard of for this long is dead, in ms (default 10000): its registrations go and
   * calls in flight to it fail.
   */
  dead_node_timeout: integer(200, 600_000).optional(),
}).superRefine((cluster, ctx) => {
  const heartbeat = cluster.heartbeat_interval ?? 1000;
  const dead = cluster.dead_node_timeout ?? 10_000;
  if (dead < 2 * heartbeat) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['dead_node_timeout'],
      message: `expected at least twice heartbeat_interval (${2 * heartbeat} ms), got ${dead}`,
    });
  }
  if ((cluster.tls?.certificate === undefined) !== (cluster.tls?.key === undefined)) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      path: ['tls'],
      message: 'a client certificate needs its key, and a key its certificate',
    });
  }
});

/** A validated `cluster` block. */
export type ClusterConfig = z.output<typeof clusterSchema>;
