/**
 * What a node process does first when its config holds Crossbar's per-process router workers
 * (config/router-processes.ts): a config that needs several processes is refused here (the
 * `interchange` CLI splits it into one process per router worker, cli/worker-processes.ts), and
 * the `cpu_affinity` of the router worker this process runs pins the process, before any part
 * of the node starts (so its threads and child processes are pinned too).
 */
import { ConfigError } from '../config/config-issues.js';
import type { NodeConfig } from '../config/config-schema.js';
import { routerProcessesOf } from '../config/router-processes.js';
import type { Logger } from '../logger.js';
import { pinThisProcess } from './cpu-affinity.js';

/**
 * Pins this process to the CPUs of its router worker's `cpu_affinity`, if it has one.
 *
 * @throws ConfigError when the config's router workers must each run as a process of their own;
 *   CpuAffinityError when the pinning cannot be done.
 */
export async function pinRouterProcess(config: NodeConfig, logger: Logger): Promise<void> {
  if (routerProcessesOf(config) !== undefined) {
    throw new ConfigError([
      {
        path: 'workers',
        message:
          'several router workers with "shared" endpoints or "cpu_affinity" each run as a process of their own: ' +
          'start this config with "interchange start", which forks them, not in one process',
        kind: 'invalid',
      },
    ]);
  }
  const index = config.workers.findIndex((w) => w.type === 'router' && w.options?.cpu_affinity !== undefined);
  const worker = config.workers[index];
  if (worker?.type !== 'router' || worker.options?.cpu_affinity === undefined) return;
  const cpus = await pinThisProcess(worker.options.cpu_affinity, `worker ${worker.id ?? index}`);
  logger.info({ cpus, pid: process.pid }, 'process pinned to CPUs (cpu_affinity)');
}
