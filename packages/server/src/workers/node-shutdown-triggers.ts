/**
 * Crossbar's node shutdown triggers (`controller.options.shutdown`): when the node stops by
 * itself because a worker exited. Router workers run in the node's process and never exit; a
 * guest worker exits when its program does, a container worker when its `shutdown` mode ends
 * it (container-policy.ts).
 *
 * - `shutdown_on_worker_exit`: any worker exit stops the node;
 * - `shutdown_on_worker_exit_with_error`: a guest that exited with an error (non-zero code or a
 *   signal), or a container that shut down because a component failed;
 * - `shutdown_on_last_worker_exit`: the last running worker exited;
 * - `shutdown_on_shutdown_requested`: only a stop request (SIGTERM, `interchange stop`), which
 *   always stops the node anyway.
 *
 * With triggers configured, a guest that exits is not restarted (as in Crossbar); without them
 * (the default here, where Crossbar's standalone default is `shutdown_on_worker_exit`), guests
 * are restarted and the node runs on.
 */
import type { NodeShutdownTrigger } from '../config/worker-options-schema.js';
import type { Logger } from '../logger.js';

/** Options of {@link NodeShutdownTriggers}. */
export interface NodeShutdownTriggersOptions {
  /** The configured triggers; `undefined` when the config has none. */
  triggers: readonly NodeShutdownTrigger[] | undefined;
  /** How many workers the node runs. */
  workers: number;
  /** Stops the node; `reason` names the trigger. */
  shutdown: (reason: string) => void;
  logger: Logger;
}

/** Decides, as workers exit, whether the node stops. */
export class NodeShutdownTriggers {
  readonly #options: NodeShutdownTriggersOptions;
  #running: number;

  constructor(options: NodeShutdownTriggersOptions) {
    this.#options = options;
    this.#running = options.workers;
  }

  /** Whether triggers are configured (then exited guests are not restarted). */
  get configured(): boolean {
    return this.#options.triggers !== undefined;
  }

  /** A worker exited for good; `success` false when it ended with an error. */
  workerExited(id: string, success: boolean): void {
    const triggers = this.#options.triggers ?? [];
    this.#running -= 1;
    const fired = triggers.find(
      (trigger) =>
        trigger === 'shutdown_on_worker_exit' ||
        (trigger === 'shutdown_on_worker_exit_with_error' && !success) ||
        (trigger === 'shutdown_on_last_worker_exit' && this.#running <= 0),
    );
    if (fired === undefined) return;
    this.#options.logger.info({ worker: id, trigger: fired }, `worker ${id} exited; stopping the node (${fired})`);
    this.#options.shutdown(fired);
  }
}
