/**
 * Crossbar's way of spreading one node over several cores: several `router` workers in one
 * config, whose transports share a port (`"endpoint": {"shared": true}`) and whose processes
 * may be pinned to CPUs (`options.cpu_affinity`). Crossbar runs every worker as its own process
 * and lets the kernel spread a shared port's connections over them; its workers stay separate
 * routers unless linked. Here such router workers each run as their own process and cluster
 * node (cli/worker-processes.ts), so they form ONE router: a realm is the same realm in every
 * one of them (docs/scaling.md).
 *
 * Because a client cannot choose which process a shared port hands it to, the config check
 * refuses what would make that choice matter: transports that share a port but differ, and
 * workers that share a port but not their realms. Realms of the same name must have the same
 * roles in every router worker that runs as a process, as the cluster demands at join
 * (cluster/config-agreement.ts).
 */
import type { RouterWorkerConfig, TransportConfig, WorkerConfig } from './config-schema.js';
import type { KeyPath } from './config-walk.js';
import { isPersistentStore } from './store-keys.js';

/** A config's router workers with their indices in `workers`. */
function routerWorkersOf(workers: readonly WorkerConfig[]): { index: number; worker: RouterWorkerConfig }[] {
  return workers.flatMap((worker, index) => (worker.type === 'router' ? [{ index, worker }] : []));
}

/** Whether a router worker asks for Crossbar's per-worker process: a shared endpoint or CPU pinning. */
function wantsOwnProcess(worker: RouterWorkerConfig): boolean {
  return (
    worker.options?.cpu_affinity !== undefined ||
    worker.transports.some((t) => t.endpoint.type === 'tcp' && t.endpoint.shared === true)
  );
}

/**
 * The indices (in `workers`) of the router workers that each run as their own process, or
 * `undefined` when the node runs in one process: a config with several router workers of which
 * one has a `shared` endpoint or `cpu_affinity`. A single router worker stays in the node's
 * process (`shared` changes nothing then, `cpu_affinity` pins the node's process).
 */
export function routerProcessesOf(config: { workers: readonly WorkerConfig[] }): number[] | undefined {
  const routers = routerWorkersOf(config.workers);
  if (routers.length < 2 || !routers.some((r) => wantsOwnProcess(r.worker))) return undefined;
  return routers.map((r) => r.index);
}

/**
 * The config one router process runs: its router worker, and (in the first process only) the
 * container and guest workers, which Crossbar starts once per node.
 */
export function configOfRouterProcess<C extends { workers: readonly WorkerConfig[] }>(
  config: C,
  routerIndex: number,
  first: boolean,
): C {
  return {
    ...config,
    workers: config.workers.flatMap((worker, index): WorkerConfig[] => {
      // Named by its place in the whole config, so its logs say which worker of the file it is.
      if (index === routerIndex) return [{ ...worker, id: worker.id ?? String(index) }];
      return first && worker.type !== 'router' ? [worker] : [];
    }),
  };
}

/** JSON with sorted object keys, so equal configs give equal text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The top-level keys in which two transports differ (their `id` aside). */
function differingKeys(a: TransportConfig, b: TransportConfig): string[] {
  const left = a as unknown as Record<string, unknown>;
  const right = b as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].filter((k) => k !== 'id');
  return keys.filter((k) => canonical(left[k]) !== canonical(right[k])).sort();
}

/** One problem the check reports, at a key path of the config. */
export interface RouterProcessIssue {
  path: KeyPath;
  message: string;
}

/** Whether two TCP listeners bind overlapping addresses: the same interface, or all of them. */
function overlaps(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/**
 * What the config check reports about shared ports and router processes. Plain clashes of two
 * endpoints that do not both say `shared` are reported by the caller (validate-config.ts), with
 * {@link sharesPortWith} telling it which pairs are allowed.
 */
export function routerProcessIssues(config: { workers: readonly WorkerConfig[] }): RouterProcessIssue[] {
  const issues: RouterProcessIssue[] = [];
  const routers = routerWorkersOf(config.workers);
  const name = (w: number, t?: number) => (t === undefined ? `workers[${w}]` : `workers[${w}].transports[${t}]`);
  // Transports that share a port with an earlier one must be that one's twin, and their workers
  // must serve the same realms: the shared port hands a client to any of them.
  const seen: { w: number; t: number; transport: TransportConfig; worker: RouterWorkerConfig }[] = [];
  for (const { index: w, worker } of routers) {
    worker.transports.forEach((transport, t) => {
      const endpoint = transport.endpoint;
      if (endpoint.type !== 'tcp' || endpoint.shared !== true || endpoint.port === 0) return;
      const first = seen.find(
        (s) =>
          s.transport.endpoint.type === 'tcp' &&
          s.transport.endpoint.shared === true &&
          s.transport.endpoint.port === endpoint.port &&
          overlaps(s.transport.endpoint.interface, endpoint.interface),
      );
      if (first === undefined) {
        seen.push({ w, t, transport, worker });
        return;
      }
      if (first.w === w) return; // a clash within one worker: reported by the caller
      const keys = differingKeys(first.transport, transport);
      if (keys.length > 0) {
        issues.push({
          path: ['workers', w, 'transports', t],
          message:
            `shares port ${endpoint.port} with ${name(first.w, first.t)} but differs from it in ${keys.map((k) => `"${k}"`).join(', ')}; ` +
            'transports that share a port must be configured the same, since each connection goes to any one of them',
        });
      }
      const realmsHere = worker.realms.map((r) => r.name).sort();
      const realmsThere = first.worker.realms.map((r) => r.name).sort();
      if (realmsHere.join('\n') !== realmsThere.join('\n')) {
        issues.push({
          path: ['workers', w, 'realms'],
          message:
            `this worker shares port ${endpoint.port} with ${name(first.w)} but has realms [${realmsHere.join(', ')}] ` +
            `where that one has [${realmsThere.join(', ')}]; workers that share a port must serve the same realms, ` +
            'since a client cannot choose the worker it reaches',
        });
      }
    });
  }
  // Router workers that run as processes form one router: a realm must be the same everywhere.
  if (routerProcessesOf(config) !== undefined) {
    // A store directory is locked by the process that opens it (store/store-lock.ts).
    const stores = new Map<string, number>();
    for (const { index: w, worker } of routers) {
      worker.realms.forEach((realm, r) => {
        const store = realm.store;
        if (store === undefined || !isPersistentStore(store.type) || store.path === undefined) return;
        const other = stores.get(store.path);
        if (other !== undefined && other !== w) {
          issues.push({
            path: ['workers', w, 'realms', r, 'store', 'path'],
            message:
              `store directory "${store.path}" is also used by ${name(other)}, which runs as another process; ` +
              'a store directory belongs to one process: give each worker its own path, or leave the store out',
          });
        }
        stores.set(store.path, w);
      });
    }
    const firstOf = new Map<string, { w: number; roles: string }>();
    for (const { index: w, worker } of routers) {
      worker.realms.forEach((realm, r) => {
        const roles = canonical(realm.roles ?? null);
        const first = firstOf.get(realm.name);
        if (first === undefined) firstOf.set(realm.name, { w, roles });
        else if (first.roles !== roles) {
          issues.push({
            path: ['workers', w, 'realms', r, 'roles'],
            message:
              `realm "${realm.name}" has other roles than in ${name(first.w)}; router workers with shared endpoints ` +
              'or cpu_affinity run as processes of one router, where a realm is one realm, so its roles must be the same in each worker',
          });
        }
      });
    }
  }
  return issues;
}

/** Whether two listening TCP endpoints may use the same port: both `shared`, in different router workers. */
export function sharesPortWith(
  a: { worker: number; shared: boolean | undefined },
  b: { worker: number; shared: boolean | undefined },
): boolean {
  return a.shared === true && b.shared === true && a.worker !== b.worker;
}
