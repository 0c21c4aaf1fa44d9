/**
 * `start --workers N` with a persistent realm store: each worker process is a node of its own
 * (a member of the cluster the workers form), with its own router and realm stores, and two
 * nodes cannot share a store directory (store-lock.ts). Without this check the first worker
 * would take the store and the second would fail to start, stopping the node; so the
 * combination is refused by name before any worker is forked.
 */
import type { NodeConfig } from '../config/config-schema.js';
import { isPersistentStore } from '../config/store-keys.js';

/**
 * Why `workers` router processes cannot run `config`, or undefined when they can: the realms
 * whose store is of type `lmdb`, when there is more than one process.
 */
export function workersStoreConflict(config: NodeConfig, workers: number): string | undefined {
  if (workers <= 1) return undefined;
  const stored: string[] = [];
  for (const worker of config.workers) {
    if (worker.type !== 'router') continue;
    for (const realm of worker.realms) {
      const { store } = realm;
      if (store !== undefined && isPersistentStore(store.type)) stored.push(`'${realm.name}' (path "${store.path}")`);
    }
  }
  if (stored.length === 0) return undefined;
  return (
    `--workers ${workers} cannot run realm ${stored.join(', ')} with a store of type "lmdb": each worker ` +
    'process is a node of its own, and two nodes cannot share a store directory. Run one process ' +
    '(no --workers), or give the realm the memory store (docs/durability.md, "With a cluster")'
  );
}
