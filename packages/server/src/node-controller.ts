/**
 * The node's controller API (components/node-controller-api.ts) for one config: its workers
 * with their IDs as Crossbar names them, and links for the Python processes whose worker or
 * `function` block has `expose_controller`.
 */
import { hostname } from 'node:os';
import { type ControllerWorker, NodeControllerApi } from './components/node-controller-api.js';
import { type ControllerLink, controllerLink } from './components/python-controller-link.js';
import type { NodeConfig } from './config/config-schema.js';
import type { Logger } from './logger.js';
import type { GuestWorker } from './workers/guest-worker.js';
import { workerIdOf } from './workers/router-placement.js';

/** Options of {@link nodeControllerOf}. */
export interface NodeControllerOptions {
  config: NodeConfig;
  cbdir: string;
  title: string;
  pubkey: string | undefined;
  /** `--node-id`, else the config's `controller.id`, else `<host>-<pid>` (router-placement.ts). */
  nodeId: string | undefined;
  /** The guest workers started so far. */
  guests: () => readonly GuestWorker[];
  /** Stops the node (`crossbar.shutdown`), naming the worker whose code asked. */
  shutdown: (worker: string) => void;
  logger: Logger;
}

/** The controller of a node and a way to link a Python process of a worker to it. */
export interface NodeController {
  api: NodeControllerApi;
  /** The link for code of the worker at `index` (a component's ID, or `function <create>`). */
  link: (index: number, name: string) => ControllerLink;
}

/** Builds the controller API of the node `config` describes. */
export function nodeControllerOf(options: NodeControllerOptions): NodeController {
  const { config, logger } = options;
  const workers: ControllerWorker[] = config.workers.map((worker, index) => {
    const id = workerIdOf(config.workers, index);
    if (worker.type !== 'guest') return { id, type: worker.type, pid: () => process.pid };
    const guest = () => options.guests().find((g) => g.id === (worker.id ?? `worker${index}`));
    // Interchange does not record when a guest's current run began: reported as unknown.
    return { id, type: 'guest', pid: () => guest()?.pid, startedAt: () => undefined };
  });
  const api = new NodeControllerApi({
    title: options.title,
    nodeId: options.nodeId ?? config.controller?.id ?? `${hostname()}-${process.pid}`.toLowerCase(),
    cbdir: options.cbdir,
    pubkey: options.pubkey,
    workers,
    shutdown: (request) => options.shutdown(request.caller.worker),
    logger,
  });
  return {
    api,
    link: (index, name) => controllerLink(api, { worker: workerIdOf(config.workers, index), name }, logger),
  };
}
