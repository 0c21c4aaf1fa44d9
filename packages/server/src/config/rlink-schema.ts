/**
 * Crossbar's router-to-router links (`rlinks` of a realm): this node connects to another router
 * as a client and forwards the realm's events and calls both ways (src/rlinks/router-link.ts).
 * The keys are exactly Crossbar's; each one has its effect.
 */
import type { z } from 'zod';
import { componentTransportSchema } from './component-schema.js';
import { boolean, list, nonEmptyString, section, value } from './schema-builders.js';

/** A realm name (WAMP URI, loose form) as the other router knows it. */
const REMOTE_REALM = /^([^\s.#]+\.)*[^\s.#]+$/;

/** One router link. */
export const rlinkSchema = section({
  /** The link's name in logs, and the authid of its session on this router; default `rlink<NNN>`. */
  id: nonEmptyString().optional(),
  /** The realm joined on the other router. */
  realm: value<string>(
    'a realm name (a WAMP URI such as "realm1")',
    (v) => typeof v === 'string' && REMOTE_REALM.test(v),
  ),
  /** How to reach the other router: Crossbar's connecting transport (as a container component's). */
  transport: componentTransportSchema,
  /**
   * The authid asked for on the other router; without it, the other router finds the principal
   * by this node's public key (WAMP-cryptosign with the node key, as Crossbar does).
   */
  authid: nonEmptyString().optional(),
  /** Sessions with these authids on the other router do not get the events this link publishes there. */
  exclude_authid: list(nonEmptyString()).optional(),
  /** Subscriptions on this router are made on the other one, and its events published here (default true). */
  forward_local_events: boolean().optional(),
  /** Subscriptions on the other router are made here, and this router's events published there (default true). */
  forward_remote_events: boolean().optional(),
  /** Registrations on this router are made on the other one, which then calls through (default true). */
  forward_local_invocations: boolean().optional(),
  /** Registrations on the other router are made here, and calls here reach them (default true). */
  forward_remote_invocations: boolean().optional(),
});

/** A validated router link. */
export type RlinkConfig = z.output<typeof rlinkSchema>;

/**
 * Why a cluster node runs no router links: every node of the cluster would run the same links,
 * mirror the same subscriptions into the shared realm and forward each event once per node.
 */
export const RLINKS_IN_CLUSTER =
  'router links cannot run in a cluster node (a "cluster" block or "start --workers"): each node of the cluster would run them and forward every event once per node. Run the links in one node outside the cluster, or link the routers through the cluster itself';
