/**
 * The node controller procedures that Python code reaches through `expose_controller`: a
 * component's `config.controller.call(...)` and the `controller` handed to a `function` block's
 * `create(config, controller)` (python/interchange_channel.py sends the call over the process's
 * pipes; python-controller-link.ts brings it here).
 *
 * Crossbar hands that code its worker's session on the node management realm, where the node
 * controller registers its procedures under `crossbar.`. Interchange has no management realm;
 * it answers the subset below from what the node really knows, each with Crossbar's name,
 * arguments and result shape (differences in docs/crossbar-migration.md). Any other procedure is
 * `wamp.error.no_such_procedure`, as a Crossbar controller answers one it has not registered.
 *
 * - `crossbar.get_status()`: title, start time, PID, directory, workers by type, public key.
 * - `crossbar.get_workers(filter_types=[])`: the worker IDs, sorted.
 * - `crossbar.get_worker(worker_id)`: one worker's ID, PID, type, status and times;
 *   `crossbar.error.no_such_worker` for an unknown ID.
 * - `crossbar.shutdown(restart=False, mode=None)`: the node stops (after answering), as on
 *   SIGTERM; the process exits with code 0. `restart=True` is refused: Interchange does not
 *   restart itself (its service manager does).
 * - `crossbar.utcnow()`, `crossbar.started()`, `crossbar.uptime()`: the controller's clock.
 */
import { ApplicationError, ErrorUri } from '@interchange/protocol';
import type { Logger } from '../logger.js';

/** Crossbar's error for a worker ID the node does not have. */
const NO_SUCH_WORKER = 'crossbar.error.no_such_worker';
/** How long after answering `crossbar.shutdown` the node begins to stop (Crossbar waits as long). */
const SHUTDOWN_DELAY_MS = 200;
/** Crossbar's error for a feature the node does not offer. */
const FEATURE_UNAVAILABLE = 'crossbar.error.feature_unavailable';

/** One worker of the node, as the controller reports it. */
export interface ControllerWorker {
  /** Its `id`, or Crossbar's default (`worker001` ...; router-placement.ts). */
  id: string;
  type: 'router' | 'container' | 'guest';
  /** The process it runs in now (the node's own for router and container workers). */
  pid: () => number | undefined;
  /** When its current process started; without it, the node's start (router and container workers). */
  startedAt?: () => Date | undefined;
}

/** Who calls: the worker and component (or `function` block) whose code it is. */
export interface ControllerCaller {
  worker: string;
  /** The component's ID, or `function <create>`. */
  name: string;
}

/** What the node asks of the controller on `crossbar.shutdown`. */
export interface ControllerShutdown {
  caller: ControllerCaller;
  /** Crossbar's `mode` argument, reported back in the answer. */
  mode: string | null;
}

/** Options of {@link NodeControllerApi}. */
export interface NodeControllerApiOptions {
  /** `Interchange <version>`. */
  title: string;
  /** The node's ID (as routers report it in `x_cb_node`). */
  nodeId: string;
  /** The node directory. */
  cbdir: string;
  /** The node's Ed25519 public key in hex, if it has one. */
  pubkey: string | undefined;
  workers: readonly ControllerWorker[];
  /** Stops the node; called after the answer to `crossbar.shutdown` was handed back. */
  shutdown: (request: ControllerShutdown) => void;
  logger: Logger;
  /** The clock (tests). */
  now?: () => Date;
}

type Kwargs = Record<string, unknown>;

function invalid(procedure: string, what: string): ApplicationError {
  return new ApplicationError(ErrorUri.INVALID_ARGUMENT, { args: [`${procedure}: ${what}`] });
}

/** The positional or keyword argument `name` (Crossbar's procedures take both). */
function argument(args: readonly unknown[], kwargs: Kwargs, index: number, name: string): unknown {
  return Object.hasOwn(kwargs, name) ? kwargs[name] : args[index];
}

/** The node's controller, as `expose_controller` hands it to Python code. */
export class NodeControllerApi {
  readonly #options: NodeControllerApiOptions;
  readonly #started: Date;
  #shutdownRequested = false;

  constructor(options: NodeControllerApiOptions) {
    this.#options = options;
    this.#started = this.#now();
  }

  /** Whether `crossbar.shutdown` has been called. */
  get shutdownRequested(): boolean {
    return this.#shutdownRequested;
  }

  /**
   * Calls a controller procedure; resolves with its result.
   * @throws ApplicationError with Crossbar's error URI.
   */
  async call(procedure: string, args: readonly unknown[], kwargs: Kwargs, caller: ControllerCaller): Promise<unknown> {
    switch (procedure) {
      case 'crossbar.get_status':
        return this.#status();
      case 'crossbar.get_workers':
        return this.#workerIds(procedure, argument(args, kwargs, 0, 'filter_types'));
      case 'crossbar.get_worker':
        return this.#worker(
          procedure,
          argument(args, kwargs, 0, 'worker_id'),
          argument(args, kwargs, 1, 'include_stats'),
        );
      case 'crossbar.shutdown':
        return this.#shutdown(
          procedure,
          argument(args, kwargs, 0, 'restart'),
          argument(args, kwargs, 1, 'mode'),
          caller,
        );
      case 'crossbar.utcnow':
        return this.#now().toISOString();
      case 'crossbar.started':
        return this.#started.toISOString();
      case 'crossbar.uptime':
        return (this.#now().getTime() - this.#started.getTime()) / 1000;
      default:
        throw new ApplicationError(ErrorUri.NO_SUCH_PROCEDURE, {
          args: [`no procedure "${procedure}" registered on the node controller`],
        });
    }
  }

  #now(): Date {
    return this.#options.now?.() ?? new Date();
  }

  #status(): Record<string, unknown> {
    const byType: Record<string, number> = {};
    for (const worker of this.#options.workers) byType[worker.type] = (byType[worker.type] ?? 0) + 1;
    return {
      title: this.#options.title,
      started: this.#started.toISOString(),
      controller_pid: process.pid,
      running_workers: this.#options.workers.length,
      workers_by_type: byType,
      directory: this.#options.cbdir,
      pubkey: this.#options.pubkey ?? null,
    };
  }

  #workerIds(procedure: string, filter: unknown): string[] {
    if (
      filter !== undefined &&
      filter !== null &&
      !(Array.isArray(filter) && filter.every((t) => typeof t === 'string'))
    )
      throw invalid(procedure, 'filter_types must be a list of worker types');
    const types = new Set((filter as string[] | null | undefined) ?? []);
    return this.#options.workers
      .filter((w) => types.size === 0 || types.has(w.type))
      .map((w) => w.id)
      .sort();
  }

  #worker(procedure: string, id: unknown, includeStats: unknown): Record<string, unknown> {
    if (typeof id !== 'string') throw invalid(procedure, 'worker_id must be a string');
    if (includeStats !== undefined && includeStats !== null && includeStats !== false) {
      throw new ApplicationError(FEATURE_UNAVAILABLE, {
        args: [
          `${procedure}: include_stats is not available (Interchange has no controller traffic of workers to report)`,
        ],
      });
    }
    const worker = this.#options.workers.find((w) => w.id === id);
    if (worker === undefined) throw new ApplicationError(NO_SUCH_WORKER, { args: [`No worker with ID '${id}'`] });
    const pid = worker.pid();
    // A guest between two runs (waiting for its restart) has no process, and no start time.
    const started = pid === undefined ? undefined : worker.startedAt === undefined ? this.#started : worker.startedAt();
    return {
      id: worker.id,
      pid: pid ?? null,
      type: worker.type,
      status: pid === undefined ? 'stopped' : 'started',
      created: this.#started.toISOString(),
      started: started?.toISOString() ?? null,
      startup_time: started === undefined ? null : (started.getTime() - this.#started.getTime()) / 1000,
      uptime: started === undefined ? null : (this.#now().getTime() - started.getTime()) / 1000,
    };
  }

  #shutdown(procedure: string, restart: unknown, mode: unknown, caller: ControllerCaller): Record<string, unknown> {
    if (restart !== undefined && restart !== null && restart !== false) {
      throw invalid(
        procedure,
        'restart=True is not available: Interchange does not restart itself (let its service manager do it)',
      );
    }
    if (mode !== undefined && mode !== null && typeof mode !== 'string')
      throw invalid(procedure, 'mode must be a string');
    const info = {
      node_id: this.#options.nodeId,
      restart: false,
      mode: mode ?? null,
      who: `${caller.worker}/${caller.name}`,
      when: this.#now().toISOString(),
      was_clean: true,
    };
    // As Crossbar's controller: a second request while shutting down changes nothing.
    if (this.#shutdownRequested) return info;
    this.#shutdownRequested = true;
    this.#options.logger.info(
      { worker: caller.worker, caller: caller.name, mode: info.mode },
      `node shutdown requested by ${info.who} (crossbar.shutdown)`,
    );
    // As Crossbar's controller, the node stops a moment after answering, so that the caller
    // gets the answer and can leave by itself before the node stops it.
    setTimeout(() => this.#options.shutdown({ caller, mode: info.mode }), SHUTDOWN_DELAY_MS);
    return info;
  }
}
