/**
 * The Python components of a container worker with `expose_shared`, run in one Python process
 * (python/container_host.py) so that the dict they get as `config.shared` is one dict, as in
 * Crossbar's container. Elsewhere each Python component is a process of its own
 * (python-component.ts).
 *
 * Each component stays a member of the container's policy (container-policy.ts) on its own:
 * the node tells the process to connect (`{"start": id}`) or end (`{"stop": id}`) one component,
 * and a component whose session ends is reported with the exit code its own process would have
 * had, so `restart` and `shutdown` decide as for separate processes; a restart reconnects it in
 * the same process, with the guest workers' backoff. When the process itself dies, every
 * component in it has failed: those the policy restarts come back in a new process.
 */

import type { Logger } from '../logger.js';
import { RestartBackoff } from '../workers/restart-backoff.js';
import { pythonScript } from './python-child.js';
import {
  type PythonComponentEnd,
  PythonComponentError,
  type PythonComponentOptions,
  runnerSpecOf,
} from './python-component.js';
import type { ControllerLink } from './python-controller-link.js';
import { helperTexts, type PendingStart, type PythonMessage, PythonProcess, withDeadline } from './python-process.js';

/** A component of the shared process. */
export type SharedComponentOptions = Pick<PythonComponentOptions, 'id' | 'classname' | 'realm' | 'extra' | 'transport'>;

/** Options of {@link PythonSharedContainer}. */
export interface PythonSharedContainerOptions {
  /** The container worker's ID (names the process in logs). */
  id: string;
  components: SharedComponentOptions[];
  python: string;
  pythonpath: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** With `expose_controller`: where the components' controller calls go. */
  controller?: ControllerLink | undefined;
  /** Whether a component that ended starts again (the container's policy). */
  decide: (member: SharedPythonComponent, end: PythonComponentEnd) => boolean;
  restartDelayMs?: number;
  /** How long a first start may take to join, in ms (default 30000). */
  startTimeoutMs?: number;
  logger: Logger;
}

/** One component of a shared container process. */
export class SharedPythonComponent {
  readonly id: string;
  readonly #host: PythonSharedContainer;
  readonly #backoff = new RestartBackoff();
  #running = false;
  #joins = 0;
  #startedAt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #joined: PendingStart | undefined;
  #ended: (() => void)[] = [];

  constructor(id: string, host: PythonSharedContainer) {
    this.id = id;
    this.#host = host;
  }

  /** Whether its session runs now. */
  get running(): boolean {
    return this.#running;
  }

  /** How many times it has joined its realm. */
  get joins(): number {
    return this.#joins;
  }

  /** The shared process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#host.pid;
  }

  /** Connects it; resolves once it joined. @throws PythonComponentError when it ends first. */
  start(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const tooSlow = () => {
        this.#joined = undefined;
        reject(new PythonComponentError(`Python component "${this.id}" did not join within ${timeoutMs} ms`));
      };
      this.#joined = withDeadline(timeoutMs, tooSlow, resolve, reject);
      this.#connect();
    });
  }

  /** Ends its session for good (it leaves its realm). */
  stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    if (!this.#running) return Promise.resolve();
    return new Promise((resolve) => {
      this.#ended.push(resolve);
      if (!this.#host.send({ stop: this.id })) this.#onEnded(0);
    });
  }

  #connect(): void {
    this.#running = true;
    this.#startedAt = Date.now();
    if (!this.#host.send({ start: this.id })) this.#onEnded(1, 'the shared Python process is not running');
  }

  /** The process reported something about this component. */
  onMessage(message: PythonMessage): void {
    const logger = this.#host.logger;
    if (message.event === 'joined') {
      this.#joins += 1;
      logger.info(
        { component: this.id, session: message.session, authid: message.authid, authrole: message.authrole },
        `[${this.id}] joined realm ${String(message.realm)}`,
      );
      const joined = this.#joined;
      this.#joined = undefined;
      joined?.resolve();
    } else if (message.event === 'left') {
      logger.info({ component: this.id, reason: message.reason }, `[${this.id}] left: ${String(message.reason)}`);
    } else if (message.event === 'error' && typeof message.message === 'string') {
      logger.error({ component: this.id }, `[${this.id}] ${message.message}`);
    } else if (message.event === 'ended') {
      this.#onEnded(typeof message.code === 'number' ? message.code : 1);
    }
  }

  /** Its session ended (or the process died with it); `why` when no session ever ran. */
  #onEnded(code: number, why?: string): void {
    if (!this.#running) return;
    this.#running = false;
    const how = why ?? `ended with code ${code}`;
    const joined = this.#joined;
    if (joined !== undefined) {
      this.#joined = undefined;
      joined.reject(new PythonComponentError(`Python component "${this.id}" ${how}`));
      return;
    }
    const logger = this.#host.logger;
    if (this.#stopping) {
      logger.info({ component: this.id, code }, `[${this.id}] stopped`);
      for (const resolve of this.#ended.splice(0)) resolve();
      return;
    }
    const end: PythonComponentEnd = { failed: code !== 0, code, signal: null };
    if (!this.#host.decide(this, end)) {
      logger.warn({ component: this.id, code }, `[${this.id}] ${how}; not restarted`);
      return;
    }
    const delay = this.#backoff.delayAfter(Date.now() - this.#startedAt);
    logger.warn({ component: this.id, code, restartInMs: delay }, `[${this.id}] ${how}; restarting in ${delay} ms`);
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#host.whenReady(() => this.#connect());
    }, delay);
  }

  /** The process was stopped: no restart, and whoever waits for this component to stop is done. */
  processStopped(): void {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#running = false;
    for (const resolve of this.#ended.splice(0)) resolve();
  }

  /** The process died: the session in it too. */
  processDied(how: string): void {
    this.#onEnded(1, `failed: the shared Python process ${how}`);
  }
}

/** The one Python process of a container worker with `expose_shared`, and its components. */
export class PythonSharedContainer {
  readonly members: readonly SharedPythonComponent[];
  readonly logger: Logger;
  readonly #options: PythonSharedContainerOptions;
  readonly #process: PythonProcess;
  readonly #byId = new Map<string, SharedPythonComponent>();
  #waiting: (() => void)[] = [];
  #stopped = false;

  constructor(options: PythonSharedContainerOptions) {
    this.#options = options;
    this.logger = options.logger;
    this.members = options.components.map((c) => new SharedPythonComponent(c.id, this));
    for (const member of this.members) this.#byId.set(member.id, member);
    const name = `container ${options.id}`;
    this.#process = new PythonProcess({
      name,
      logField: 'python',
      python: options.python,
      script: pythonScript('container_host.py'),
      spec: () => ({
        pythonpath: options.pythonpath,
        controller: options.controller !== undefined,
        shared: true,
        components: options.components.map((c) => ({
          ...runnerSpecOf({ ...c, pythonpath: options.pythonpath, cwd: options.cwd }),
          id: c.id,
        })),
      }),
      cwd: options.cwd,
      env: options.env,
      readyEvent: 'ready',
      texts: {
        ...helperTexts(name, (message) => new PythonComponentError(message)),
        notRestarted: 'started again when a component of it is restarted',
      },
      onReady: () => {
        for (const run of this.#waiting.splice(0)) run();
      },
      onMessage: (message, reply) => {
        if (message.event === 'controller') {
          options.controller?.(message, reply);
          return;
        }
        if (typeof message.component === 'string') this.#byId.get(message.component)?.onMessage(message);
      },
      restart: (end) => {
        for (const member of this.members) member.processDied(end.how);
        // Started again when a component wants to run (its restart timer asks for it).
        return false;
      },
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
      logger: options.logger,
    });
  }

  /** The process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Starts the process, then each component in turn; resolves once all joined. */
  async start(): Promise<void> {
    await this.#process.start();
    const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
    for (const member of this.members) await member.start(timeoutMs);
  }

  /** For a component. */
  send(message: unknown): boolean {
    return this.#process.send(message);
  }

  /** For a component. */
  decide(member: SharedPythonComponent, end: PythonComponentEnd): boolean {
    return this.#options.decide(member, end);
  }

  /** Runs `run` once the process is ready, starting it again if it died. */
  whenReady(run: () => void): void {
    if (this.#stopped) return;
    if (this.#process.ready) {
      run();
      return;
    }
    const first = this.#waiting.length === 0;
    this.#waiting.push(run);
    if (first && !this.#process.running) {
      this.#process.start().catch((error: unknown) => {
        this.logger.error({ err: error }, `container ${this.#options.id}: ${(error as Error).message}`);
        this.#waiting = [];
      });
    }
  }

  /** Ends the process: every component leaves its realm first (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopped = true;
    await this.#process.stop(graceMs);
    for (const member of this.members) member.processStopped();
  }
}
