/**
 * A Python helper process the node starts, supervises and stops: the host of a `wsgi` or
 * `resource` web path (python/web_host.py) or of a Python `function` authenticator
 * (python/auth_function_host.py). Unlike a Python component (python-component.ts), it does not
 * join a realm; it talks to the node over pipes:
 *
 * - stdin: the spec as the first JSON line, then requests, one JSON line each. Kept open while
 *   the node runs: the script exits at end of input, so it never outlives the node.
 * - fd 3: the script's messages to the node, one JSON line each (`{"event": "ready"}`,
 *   `{"event": "error", "message": ...}`, answers).
 * - stdout and stderr: the user code's output, logged line by line with the child's name.
 *
 * When the process ends unexpectedly after it was ready, it is started again with the guest
 * workers' backoff (restart-backoff.ts); when it ends before it was ready the first time, the
 * start fails (the user's module cannot be loaded: restarting would not help).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { RestartBackoff } from '../workers/restart-backoff.js';
import { terminateChild } from '../workers/terminate-child.js';

/** A script of packages/server/python/. */
export function pythonScript(name: string): string {
  return fileURLToPath(new URL(`../../python/${name}`, import.meta.url));
}

/** A message from the script on fd 3. */
export interface PythonChildMessage {
  event?: unknown;
  [key: string]: unknown;
}

/** Options of {@link PythonChild}. */
export interface PythonChildOptions {
  /** Names the child in logs, e.g. `wsgi /app`. */
  name: string;
  python: string;
  /** The script to run (see {@link pythonScript}). */
  script: string;
  /** The first line of its stdin. */
  spec: Record<string, unknown>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every message but `ready` and `error`. */
  onMessage?: (message: PythonChildMessage) => void;
  /** Called after each start that reported `ready`, with its message. */
  onReady?: (message: PythonChildMessage) => void;
  /** Called when a running process ended (before any restart). */
  onExit?: (why: string) => void;
  /** How long a start may take to report `ready`, in ms (default 30000). */
  startTimeoutMs?: number;
  restartDelayMs?: number;
  logger: Logger;
}

/** Raised when a Python helper cannot be started (the user's code or config is at fault). */
export class PythonChildError extends InvalidArgumentError {}

/** A supervised Python helper process. */
export class PythonChild {
  readonly name: string;
  readonly #options: PythonChildOptions;
  readonly #backoff: RestartBackoff;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #ready = false;
  #starts = 0;
  #lastError: string | undefined;
  #firstStart: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(options: PythonChildOptions) {
    this.name = options.name;
    this.#options = options;
    this.#backoff = new RestartBackoff(
      options.restartDelayMs === undefined ? {} : { initialMs: options.restartDelayMs },
    );
  }

  /** The running process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How many times the process has been started. */
  get starts(): number {
    return this.#starts;
  }

  /** Whether a process runs and has reported `ready`. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Starts the process; resolves once it reported `ready`.
   * @throws PythonChildError when it ends or times out first (not restarted then).
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.#failFirstStart(`was not ready within ${timeoutMs} ms`);
        void this.stop(1000);
      }, timeoutMs);
      timer.unref();
      this.#firstStart = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#spawn();
    });
  }

  /** Writes one request line to the script; false when no process runs to take it. */
  send(message: unknown): boolean {
    const stdin = this.#child?.stdin;
    if (!this.#ready || stdin === undefined || stdin === null || stdin.destroyed) return false;
    stdin.write(`${JSON.stringify(message)}\n`);
    return true;
  }

  /** Stops restarting and ends the process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await terminateChild(this.#child, this.#exited, graceMs);
  }

  #spawn(): void {
    const options = this.#options;
    this.#starts += 1;
    this.#ready = false;
    this.#lastError = undefined;
    const startedAt = Date.now();
    const child = spawn(options.python, ['-u', options.script], {
      cwd: options.cwd,
      env: { ...options.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches the node only, which stops it in order.
      detached: true,
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.#onExit(code, signal, Date.now() - startedAt);
        resolve();
      });
    });
    child.once('error', (error) => {
      this.#lastError = `${options.python} could not be started: ${error.message}`;
      options.logger.error({ python: this.name, err: error }, `[${this.name}] ${this.#lastError}`);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.write(`${JSON.stringify(options.spec)}\n`);
    if (child.stdout) this.#logLines(child.stdout, 'stdout');
    if (child.stderr) this.#logLines(child.stderr, 'stderr');
    const messages = child.stdio[3] as Readable | null;
    if (messages) this.#readMessages(messages);
  }

  #readMessages(stream: Readable): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      let message: PythonChildMessage;
      try {
        message = JSON.parse(line) as PythonChildMessage;
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null) return;
      if (message.event === 'ready') {
        this.#ready = true;
        this.#options.logger.info({ python: this.name, pid: this.pid }, `[${this.name}] Python process ready`);
        this.#options.onReady?.(message);
        const first = this.#firstStart;
        this.#firstStart = undefined;
        first?.resolve();
      } else if (message.event === 'error' && typeof message.message === 'string') {
        this.#lastError = message.message;
        this.#options.logger.error({ python: this.name }, `[${this.name}] ${message.message}`);
      } else {
        this.#options.onMessage?.(message);
      }
    });
  }

  #logLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const logger = this.#options.logger;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const log = name === 'stdout' ? logger.info : logger.warn;
    lines.on('line', (line) => log.call(logger, { python: this.name, stream: name }, `[${this.name}] ${line}`));
  }

  #failFirstStart(why: string): void {
    const first = this.#firstStart;
    if (first === undefined) return;
    this.#firstStart = undefined;
    const detail = this.#lastError === undefined ? '' : `: ${this.#lastError}`;
    first.reject(new PythonChildError(`${this.name}: the Python process ${why}${detail}`));
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    const { logger } = this.#options;
    this.#child = undefined;
    this.#ready = false;
    const how = signal === null ? `exited with code ${code ?? 'unknown'}` : `was killed by ${signal}`;
    if (this.#firstStart !== undefined) {
      this.#failFirstStart(how);
      return;
    }
    if (this.#stopping) {
      logger.info({ python: this.name, code, signal }, `[${this.name}] Python process stopped`);
      return;
    }
    this.#options.onExit?.(how);
    const delay = this.#backoff.delayAfter(ranMs);
    logger.warn(
      { python: this.name, code, signal, restartInMs: delay },
      `[${this.name}] Python process ${how}; restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn();
    }, delay);
  }
}
