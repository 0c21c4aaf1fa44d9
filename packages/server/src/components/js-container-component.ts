/**
 * A JS component of a container worker under its container's `shutdown` and `restart` options
 * (workers/container-policy.ts). It has stopped when its session closed: cleanly after a normal
 * GOODBYE (it left, or the router shut down), failed otherwise (killed, transport lost, or its
 * entry point threw on a restart). Restarts use the guest workers' backoff.
 */
import type { Session } from '@interchange/client';
import { InvalidArgumentError } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { RestartBackoff } from '../workers/restart-backoff.js';
import type { RunningComponent } from './class-component.js';

/** GOODBYE reasons that end a component normally. */
const CLEAN_REASONS = new Set([
  'wamp.close.normal',
  'wamp.close.goodbye_and_out',
  'wamp.close.system_shutdown',
  'wamp.close.close_realm',
]);

/** Options of {@link JsContainerComponent}. */
export interface JsContainerComponentOptions {
  id: string;
  /** Loads the code, connects, joins and runs the entry point once. */
  run: () => Promise<RunningComponent>;
  /** Whether to start again after the component stopped (`failed` says how). */
  decide: (failed: boolean) => boolean;
  logger: Logger;
}

/** A supervised JS container component. */
export class JsContainerComponent implements RunningComponent {
  readonly id: string;
  readonly #options: JsContainerComponentOptions;
  readonly #backoff = new RestartBackoff();
  #current: RunningComponent | undefined;
  #session: Session | undefined;
  #stopping = false;
  #timer: NodeJS.Timeout | undefined;
  #startedAt = 0;

  constructor(options: JsContainerComponentOptions) {
    this.id = options.id;
    this.#options = options;
  }

  /** The session of the current (or last) run. */
  get session(): Session {
    if (this.#session === undefined) throw new InvalidArgumentError(`component ${this.id} has not started`);
    return this.#session;
  }

  /** Whether its session is open now. */
  get running(): boolean {
    return this.#current !== undefined;
  }

  /** Runs it the first time; what the run throws is thrown (and it is not restarted). */
  async start(): Promise<void> {
    this.#adopt(await this.#options.run());
  }

  /** Stops restarting and leaves the session. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    const current = this.#current;
    if (current?.session.isOpen) await current.session.leave().catch(() => undefined);
  }

  #adopt(running: RunningComponent): void {
    this.#current = running;
    this.#session = running.session;
    this.#startedAt = Date.now();
    void running.session.closed.then((info) => {
      if (this.#current !== running) return;
      this.#current = undefined;
      this.#ended(!CLEAN_REASONS.has(info.reason), `session closed (${info.reason})`);
    });
  }

  #ended(failed: boolean, how: string): void {
    if (this.#stopping) return;
    const { logger } = this.#options;
    if (!this.#options.decide(failed) || this.#stopping) {
      logger.warn({ component: this.id }, `[${this.id}] ${how}; not restarted`);
      return;
    }
    const delay = this.#backoff.delayAfter(Date.now() - this.#startedAt);
    logger.warn({ component: this.id, restartInMs: delay }, `[${this.id}] ${how}; restarting in ${delay} ms`);
    this.#timer = setTimeout(() => void this.#restart(), delay);
  }

  async #restart(): Promise<void> {
    if (this.#stopping) return;
    this.#startedAt = Date.now();
    try {
      this.#adopt(await this.#options.run());
    } catch (error) {
      this.#options.logger.error({ component: this.id, err: error }, `[${this.id}] could not be started again`);
      this.#ended(true, 'start failed');
    }
  }
}
