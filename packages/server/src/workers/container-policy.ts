/**
 * A container worker's `shutdown` and `restart` options, with Crossbar's meaning, applied when
 * one of its components ends:
 *
 * - `shutdown-on-any-component-failed`: a component failed, so the container stops all;
 * - `shutdown-on-any-component-stopped`: a component ended (failed or not): stop all;
 * - `shutdown-on-last-component-stopped`: no component runs any more: the container is done;
 * - `shutdown-manual` (default): the container keeps going.
 *
 * When the container is not shutting down, `restart-always` starts the component again,
 * `restart-on-failed` only a failed one, `restart-never` none. Crossbar's default is
 * `restart-never`; Interchange's is `restart-on-failed`, so a crashing backend comes back as
 * guest workers do. A container that shuts down stops its components for good; the node and its
 * other workers keep running.
 */
import type { ContainerRestartMode, ContainerShutdownMode } from '../config/worker-options-schema.js';
import type { Logger } from '../logger.js';

/** What the policy needs of a component. */
export interface ContainerMember {
  readonly id: string;
  /** Whether it runs now (the one that just ended does not). */
  readonly running: boolean;
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link ContainerPolicy}. */
export interface ContainerPolicyOptions {
  id: string;
  shutdown?: ContainerShutdownMode | undefined;
  restart?: ContainerRestartMode | undefined;
  /** Called once when the container shuts down; `failed` when a failed component caused it. */
  onShutdown?: (failed: boolean) => void;
  logger: Logger;
}

/** The restart and shutdown decisions of one container worker. */
export class ContainerPolicy {
  readonly #members: ContainerMember[] = [];
  readonly #shutdown: ContainerShutdownMode;
  readonly #restart: ContainerRestartMode;
  readonly #options: ContainerPolicyOptions;
  #shutDown = false;

  constructor(options: ContainerPolicyOptions) {
    this.#options = options;
    this.#shutdown = options.shutdown ?? 'shutdown-manual';
    this.#restart = options.restart ?? 'restart-on-failed';
  }

  /** Whether the container has shut down. */
  get shutDown(): boolean {
    return this.#shutDown;
  }

  /** Adds a component of the container. */
  add(member: ContainerMember): void {
    this.#members.push(member);
  }

  /** Called when `member` ended; returns whether to start it again. */
  decide(member: ContainerMember, failed: boolean): boolean {
    if (this.#shutDown) return false;
    const others = this.#members.filter((m) => m !== member && m.running);
    const shutdown =
      (this.#shutdown === 'shutdown-on-any-component-failed' && failed) ||
      this.#shutdown === 'shutdown-on-any-component-stopped' ||
      (this.#shutdown === 'shutdown-on-last-component-stopped' && others.length === 0);
    if (shutdown) {
      this.#shutDown = true;
      this.#options.logger.info(
        { worker: this.#options.id, component: member.id, shutdown: this.#shutdown },
        `container ${this.#options.id} shuts down (${this.#shutdown}): component ${member.id} ${failed ? 'failed' : 'stopped'}`,
      );
      void Promise.all(this.#members.map((m) => m.stop(5000)));
      this.#options.onShutdown?.(failed);
      return false;
    }
    return this.#restart === 'restart-always' || (this.#restart === 'restart-on-failed' && failed);
  }
}
