import { eventHistoryEntries, type PermissionConfig, type RealmConfig, type RoleConfig } from '@interchange/router';

/**
 * What of a realm's config decides where messages go and who may send them, as one node
 * announces it to the others: its roles, each with its permissions (order and Crossbar's `cache`
 * flag aside, which change no decision) or its authorizer; `null` roles for a realm open to
 * everyone. Nodes of a cluster must agree on it, or the same session would be allowed on one
 * node and refused on another.
 */
export interface RealmRouting {
  readonly roles: Record<string, { permissions: string[]; authorizer: string | null }> | null;
  /**
   * The realm's `event-history` entries as `match uri limit`, sorted: they share one JetStream
   * stream (cluster-history.ts), so nodes must agree on them too. Absent in what nodes of older
   * versions announced (then not compared).
   */
  readonly histories?: string[];
}

/** The routing-relevant part of each realm, by realm name. */
export function routingOf(realms: readonly RealmConfig[]): Record<string, RealmRouting> {
  const routing: Record<string, RealmRouting> = {};
  for (const realm of realms) {
    const histories = eventHistoryEntries(realm.store)
      .map((entry) => `${entry.match} ${entry.uri} ${entry.limit}`)
      .sort();
    if (realm.roles === undefined) {
      routing[realm.name] = { roles: null, histories };
      continue;
    }
    const roles: Record<string, { permissions: string[]; authorizer: string | null }> = {};
    for (const role of realm.roles) roles[role.name] = roleRouting(role);
    routing[realm.name] = { roles, histories };
  }
  return routing;
}

function roleRouting(role: RoleConfig): { permissions: string[]; authorizer: string | null } {
  return {
    permissions: (role.permissions ?? []).map(permissionKey).sort(),
    // A function authorizer (a module of the node directory) is compared by kind only: its
    // code cannot be compared across nodes, the config that names it can (each node loads it).
    authorizer: typeof role.authorizer === 'function' ? '(function)' : (role.authorizer ?? null),
  };
}

/** One permission as a canonical string: the same rule always gives the same string. */
function permissionKey(permission: PermissionConfig): string {
  const { allow, disclose } = permission;
  return JSON.stringify([
    permission.uri,
    permission.match ?? null,
    [allow.call === true, allow.register === true, allow.publish === true, allow.subscribe === true],
    [disclose?.caller === true, disclose?.publisher === true],
  ]);
}

/**
 * The first difference between this node's realms and another node's, for the realms both
 * have, as a sentence naming the realm and the role; `undefined` when they agree. A realm only
 * one of them has is no conflict: sessions of that realm simply connect to the nodes that have it.
 */
export function routingDifference(
  mine: Record<string, RealmRouting>,
  theirs: Record<string, RealmRouting>,
  node: string,
): string | undefined {
  for (const [name, here] of Object.entries(mine)) {
    const there = theirs[name];
    if (there === undefined) continue;
    if (here.histories !== undefined && there.histories !== undefined) {
      const [mine, other] = [here.histories.join(', '), there.histories.join(', ')];
      if (mine !== other) {
        return `realm '${name}' keeps the event histories [${mine}] here but [${other}] on node '${node}'`;
      }
    }
    if (here.roles === null || there.roles === null) {
      if (here.roles === there.roles) continue;
      const open = here.roles === null ? 'this node' : `node '${node}'`;
      return `realm '${name}' has no roles (everything allowed) on ${open} but roles on the other`;
    }
    const namesHere = Object.keys(here.roles).sort();
    const namesThere = Object.keys(there.roles).sort();
    if (namesHere.join('\n') !== namesThere.join('\n')) {
      return `realm '${name}' has roles [${namesHere.join(', ')}] here but [${namesThere.join(', ')}] on node '${node}'`;
    }
    for (const role of namesHere) {
      const a = here.roles[role];
      const b = there.roles[role];
      if (a === undefined || b === undefined) continue;
      if (a.authorizer !== b.authorizer) {
        return `realm '${name}', role '${role}': authorizer ${String(a.authorizer)} here but ${String(b.authorizer)} on node '${node}'`;
      }
      if (a.permissions.join('\n') !== b.permissions.join('\n')) {
        return `realm '${name}', role '${role}': its permissions differ from node '${node}'`;
      }
    }
  }
  return undefined;
}
