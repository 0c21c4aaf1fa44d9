/**
 * Where a router worker runs, as WELCOME tells its clients (`x_cb_node`, `x_cb_worker`,
 * `x_cb_pid`; router session/welcome-details.ts), named as Crossbar names them.
 */
import { hostname } from 'node:os';
import type { RouterPlacement } from '@interchange/router';
import type { NodeConfig, WorkerConfig } from '../config/config-schema.js';

/**
 * The ID of the worker at `index` of `workers`: its `id`, else Crossbar's default, `worker001`,
 * `worker002`, ... counted over the workers without an `id`, in the order of the config.
 */
export function workerIdOf(workers: readonly WorkerConfig[], index: number): string {
  const worker = workers[index];
  if (worker?.id !== undefined) return worker.id;
  const unnamed = workers.slice(0, index + 1).filter((w) => w.id === undefined).length;
  return `worker${String(unnamed).padStart(3, '0')}`;
}

/**
 * The placement of the router worker at `index`. The node is the cluster node ID of this router
 * process when it is a cluster member (what `interchange status` and the session meta API name);
 * else, as Crossbar decides its node ID, `--node-id`, then `controller.id`, then `<host>-<pid>`.
 */
export function routerPlacement(
  config: NodeConfig,
  index: number,
  options: { clusterNode?: string | undefined; nodeId?: string | undefined },
): RouterPlacement {
  const node =
    options.clusterNode ?? options.nodeId ?? config.controller?.id ?? `${hostname()}-${process.pid}`.toLowerCase();
  return { node, worker: workerIdOf(config.workers, index), pid: process.pid };
}
