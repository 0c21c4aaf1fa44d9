/**
 * `interchange.cluster.nodes` (Interchange addition, docs/scaling.md "Seeing the cluster's
 * nodes"): the router procedure that lists the cluster's nodes as the called node sees them, for
 * the dashboard (packages/server/src/web/dashboard-page.ts) and for operators' scripts. It exists
 * on every realm of a node that is a cluster member, and on no other node, so a caller tells a
 * single node by `wamp.error.no_such_procedure`. Like the meta API, who may call it is decided by
 * the realm's permissions for `call` on its URI.
 */
import { ApplicationError, ErrorUri } from '@interchange/protocol';
import type { RouterProcedures } from '@interchange/router';
import type { LiveNode } from './node-liveness.js';

/** The procedure's URI, in Interchange's own namespace; it answers before any client registration of it. */
export const CLUSTER_NODES_PROCEDURE = 'interchange.cluster.nodes';

/** What the procedure reads: this node and the other nodes it counts alive. */
export interface ClusterNodesSource {
  /** This node's ID. */
  readonly node: string;
  /** When this node joined the cluster, in ms since the epoch. */
  readonly joinedAt: number;
  /** When this node last sent its heartbeat, in ms since the epoch. */
  lastHeartbeat(): number | undefined;
  /** The other nodes alive, as this node's heartbeat watch knows them. */
  liveNodes(): LiveNode[];
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * Installs `interchange.cluster.nodes` on a realm. It takes no arguments and returns one list,
 * this node first, then the others by ID: `{node, self, alive_since, last_heartbeat}`, the
 * times as ISO-8601 UTC strings (`last_heartbeat` null for a node seen in the registration
 * table but not heard of yet). `alive_since` of another node is when this node first heard of
 * it, which for a node that was running before this one joined is this node's join.
 */
export function installClusterNodesProcedure(procedures: RouterProcedures, source: ClusterNodesSource): void {
  procedures.register(CLUSTER_NODES_PROCEDURE, ({ args, kwargs }) => {
    if (args.length > 0 || Object.keys(kwargs).length > 0) {
      throw new ApplicationError(ErrorUri.INVALID_ARGUMENT, {
        args: [`${CLUSTER_NODES_PROCEDURE} takes no arguments`],
      });
    }
    const own = {
      node: source.node,
      self: true,
      alive_since: iso(source.joinedAt),
      last_heartbeat: iso(source.lastHeartbeat()),
    };
    const others = source
      .liveNodes()
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0))
      .map((live) => ({
        node: live.node,
        self: false,
        alive_since: iso(live.since),
        last_heartbeat: iso(live.lastHeartbeat),
      }));
    return { args: [[own, ...others]] };
  });
}
