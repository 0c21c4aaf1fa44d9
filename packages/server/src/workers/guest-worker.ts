/**
 * Guest workers (Crossbar's `guest`): programs in any language the node starts beside its
 * routers — an executable with arguments, a working directory and an environment. Each line the
 * program writes is logged, prefixed with the worker's id. When the program exits, the node
 * starts it again after a delay that doubles with each quick exit (1 s, 2 s, 4 s ... up to 30 s
 * by default) and resets once a run has lasted a minute; stopping the node stops it (SIGTERM,
 * then SIGKILL after the grace period).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { GuestWorkerConfig } from '../config/component-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import { resolveGuestExecutable } from './guest-executable.js';
import { GuestWatch } from './guest-watch.js';
import { processEnvironment } from './process-environment.js';
import { terminateChild } from './terminate-child.js';

/** A run that lasted this long resets the restart delay. */
const STABLE_RUN_MS = 60_000;
const DEFAULT_RESTART_DELAY_MS = 1000;
const DEFAULT_MAX_RESTART_DELAY_MS = 30_000;

/** Options of {@link GuestWorker}. */
export interface GuestWorkerOptions {
  config: GuestWorkerConfig;
  /** The worker's id in logs (config `id`, else `guest<N>`). */
  id: string;
  cbdir: string;
  logger: Logger;
  /** The node's environment, inherited as `options.env.inherit` says. */
  env?: NodeJS.ProcessEnv;
  /**
   * Told of each exit the node did not ask for; returns true when the node stops because of it
   * (controller `options.shutdown`), and then the program is not restarted.
   */
  onExit?: (exit: { code: number | null; signal: NodeJS.Signals | null; restarting: boolean }) => boolean;
}

/** The environment of the program: inherited variables (all, some, none) plus `vars`. */
export function guestEnvironment(config: GuestWorkerConfig, parent: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return processEnvironment(config.options?.env, parent);
}

/** A guest program the node keeps running. */
export class GuestWorker {
  readonly id: string;
  readonly #config: GuestWorkerConfig;
  readonly #logger: Logger;
  readonly #cwd: string;
  readonly #env: NodeJS.ProcessEnv;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #delay: number;
  #stopping = false;
  #starts = 0;
  readonly #onExitHook: GuestWorkerOptions['onExit'];
  #restartNow = false;
  readonly #watch: GuestWatch | undefined;

  constructor(options: GuestWorkerOptions) {
    this.id = options.id;
    this.#config = options.config;
    this.#logger = options.logger;
    this.#cwd = resolveInCbdir(options.cbdir, options.config.options?.workdir ?? '.');
    this.#env = guestEnvironment(options.config, options.env ?? process.env);
    this.#delay = this.#initialDelay();
    this.#onExitHook = options.onExit;
    const watch = options.config.options?.watch;
    this.#watch =
      watch === undefined
        ? undefined
        : new GuestWatch({
            id: this.id,
            config: watch,
            directories: watch.directories.map((d) => resolveInCbdir(options.cbdir, d)),
            restart: () => this.restart(),
            logger: this.#logger,
          });
  }

  /** How many times the program has been started. */
  get starts(): number {
    return this.#starts;
  }

  /** The running program's process ID, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the program; resolves once it has been spawned (or failed to spawn, which is retried). */
  start(): Promise<void> {
    this.#watch?.start();
    return this.#spawn();
  }

  /** Ends the program (SIGTERM) and starts it again at once, as `watch` does on a change. */
  restart(): void {
    if (this.#stopping) return;
    const child = this.#child;
    if (child === undefined) {
      clearTimeout(this.#restartTimer);
      void this.#spawn();
      return;
    }
    this.#restartNow = true;
    child.kill('SIGTERM');
  }

  /** Stops restarting and ends the program: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    this.#watch?.close();
    clearTimeout(this.#restartTimer);
    await terminateChild(this.#child, this.#exited, graceMs);
  }

  #initialDelay(): number {
    return this.#config.options?.restart_delay ?? DEFAULT_RESTART_DELAY_MS;
  }

  async #spawn(): Promise<void> {
    const command = await resolveGuestExecutable(this.#config.executable, this.#cwd);
    if (this.#stopping) return;
    const stdout = this.#config.options?.stdout ?? 'log';
    const stderr = this.#config.options?.stderr ?? 'log';
    const pipeOf = (action: string) => (action === 'log' ? 'pipe' : 'ignore');
    const startedAt = Date.now();
    this.#starts += 1;
    const child = spawn(command, this.#config.arguments, {
      cwd: this.#cwd,
      env: this.#env,
      stdio: ['ignore', pipeOf(stdout), pipeOf(stderr)],
      // Its own process group, as for Python components: a Ctrl-C in the terminal reaches the
      // node only, which then stops its guests in order instead of finding them dead.
      detached: true,
    });
    this.#child = child;
    if (child.stdout) this.#logLines(child.stdout, 'stdout');
    if (child.stderr) this.#logLines(child.stderr, 'stderr');
    this.#exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.#onExit(code, signal, Date.now() - startedAt);
        resolve();
      });
    });
    return new Promise((resolve) => {
      child.once('spawn', () => {
        this.#logger.info({ worker: this.id, pid: child.pid, executable: command }, `[${this.id}] started`);
        resolve();
      });
      child.once('error', (error) => {
        this.#logger.error(
          { worker: this.id, err: error, executable: command },
          `[${this.id}] could not be started: ${error.message}`,
        );
        resolve();
      });
    });
  }

  #logLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const log = name === 'stdout' ? this.#logger.info : this.#logger.warn;
    lines.on('line', (line) => log.call(this.#logger, { worker: this.id, stream: name }, `[${this.id}] ${line}`));
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    this.#child = undefined;
    const how = signal === null ? `exited with code ${code ?? 'unknown'}` : `was killed by ${signal}`;
    if (this.#stopping) {
      this.#logger.info({ worker: this.id, code, signal }, `[${this.id}] stopped`);
      return;
    }
    if (this.#restartNow) {
      this.#restartNow = false;
      this.#logger.info({ worker: this.id, code, signal }, `[${this.id}] ${how}; restarting (watched file changed)`);
      void this.#spawn();
      return;
    }
    const restarting = this.#config.options?.restart !== false;
    if (this.#onExitHook?.({ code, signal, restarting }) === true) {
      this.#logger.warn({ worker: this.id, code, signal }, `[${this.id}] ${how}; the node shuts down`);
      return;
    }
    if (!restarting) {
      this.#logger.warn({ worker: this.id, code, signal }, `[${this.id}] ${how}; not restarted (restart: false)`);
      return;
    }
    if (ranMs >= STABLE_RUN_MS) this.#delay = this.#initialDelay();
    const delay = this.#delay;
    this.#delay = Math.min(
      Math.max(delay * 2, 1),
      this.#config.options?.restart_max_delay ?? DEFAULT_MAX_RESTART_DELAY_MS,
    );
    this.#logger.warn(
      { worker: this.id, code, signal, restartInMs: delay },
      `[${this.id}] ${how}; restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) void this.#spawn();
    }, delay);
  }
}
