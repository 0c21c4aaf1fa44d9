/**
 * Crossbar's node shutdown triggers (controller `options.shutdown`), for a node whose router and
 * container workers run inside its own process and whose guest workers are child processes:
 *
 * - `shutdown_on_shutdown_requested`: the node stops when asked to (SIGINT, SIGTERM, `interchange
 *   stop`), which it always does; no worker exit stops it.
 * - `shutdown_on_worker_exit`: a guest worker that exits (with any code) stops the node.
 * - `shutdown_on_worker_exit_with_error`: a guest worker that exits with a code other than 0, or
 *   is killed by a signal, stops the node.
 * - `shutdown_on_last_worker_exit`: the node stops once no worker runs any more. Router and
 *   container workers end only with the node, so this fires only for a node of guest workers
 *   alone, once the last of them has exited and is not restarted (`restart: false`).
 *
 * An exit that fires no trigger is handled by the guest's own restart options. Without
 * `options.shutdown` no worker exit stops the node: guests are restarted (the difference from
 * Crossbar, which stops the node when any worker exits, is in docs/crossbar-migration.md).
 */
import type { ShutdownTrigger } from '../config/controller-schema.js';

/** How a worker ended, as the node saw it. */
export interface WorkerExit {
  /** The worker's id. */
  worker: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the worker's own options would start it again. */
  restarting: boolean;
}

/** Why the node stops by itself. */
export interface SelfShutdown {
  trigger: ShutdownTrigger;
  /** The worker whose exit fired the trigger. */
  worker: string;
  /** Whether that worker failed (exit code other than 0, or a signal). */
  error: boolean;
}

/** Decides, exit by exit, whether the node stops. */
export class ShutdownTriggers {
  readonly #triggers: ReadonlySet<ShutdownTrigger>;
  readonly #inProcessWorkers: number;
  readonly #guests: number;
  readonly #ended = new Set<string>();

  /**
   * @param triggers - the configured triggers; none: no exit stops the node.
   * @param workers - how many workers run inside the node's process, and how many guests it has.
   */
  constructor(triggers: readonly ShutdownTrigger[] | undefined, workers: { inProcess: number; guests: number }) {
    this.#triggers = new Set(triggers ?? []);
    this.#inProcessWorkers = workers.inProcess;
    this.#guests = workers.guests;
  }

  /** Called for each exit the node did not ask for; the reason to stop the node, if any. */
  onWorkerExit(exit: WorkerExit): SelfShutdown | undefined {
    const error = exit.signal !== null || exit.code !== 0;
    const because = (trigger: ShutdownTrigger): SelfShutdown => ({ trigger, worker: exit.worker, error });
    if (this.#triggers.has('shutdown_on_worker_exit')) return because('shutdown_on_worker_exit');
    if (error && this.#triggers.has('shutdown_on_worker_exit_with_error'))
      return because('shutdown_on_worker_exit_with_error');
    if (exit.restarting) this.#ended.delete(exit.worker);
    else this.#ended.add(exit.worker);
    if (
      this.#triggers.has('shutdown_on_last_worker_exit') &&
      this.#inProcessWorkers === 0 &&
      this.#ended.size === this.#guests
    ) {
      return because('shutdown_on_last_worker_exit');
    }
    return undefined;
  }
}
