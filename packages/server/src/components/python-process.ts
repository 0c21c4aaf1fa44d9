/**
 * The supervision every Python process of the node shares, written once: Python components
 * (python-component.ts) and the Python helpers of web paths and `function` blocks
 * (python-child.ts). It spawns `python -u script`, talks to it over pipes and starts it again
 * with the guest workers' backoff (restart-backoff.ts):
 *
 * - stdin: the spec as the first JSON line, then the node's messages, one JSON line each. Kept
 *   open while the node runs: the script exits at end of input, so it never outlives the node.
 * - fd 3: the script's messages to the node, one JSON line each; the `readyEvent` one (`ready`,
 *   or `joined` for a component) ends the start, `error` carries why the script gave up.
 * - stdout and stderr: the user code's output, logged line by line with the process's name.
 *
 * When the process ends before it was ready the first time, the start fails (the user's code
 * cannot be loaded: restarting would not help); afterwards the owner's `restart` decides.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../logger.js';
import { RestartBackoff } from '../workers/restart-backoff.js';
import { terminateChild } from '../workers/terminate-child.js';

/** A message from the script on fd 3. */
export interface PythonMessage {
  event?: unknown;
  [key: string]: unknown;
}

/** Writes one JSON line to the stdin of the process a message came from; false when it is gone. */
export type PythonReply = (message: unknown) => boolean;

/** How a run of the process ended. */
export interface PythonProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** `exited with code 3`, `was killed by SIGKILL`. */
  how: string;
}

/** Options of {@link PythonProcess}. */
export interface PythonProcessOptions {
  /** Names the process in log lines: `[name] ...`. */
  name: string;
  /** The field naming it in structured logs (`python`, `component`). */
  logField: string;
  python: string;
  /** The script (a file of packages/server/python/). */
  script: string;
  /** The first line of its stdin, made at each start. */
  spec: () => Record<string, unknown>;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Extra stdio entries after fd 3 (a component's internal socket is fd 4). */
  extraStdio?: ('pipe' | 'ignore')[];
  /** The event on fd 3 that says the process is up. */
  readyEvent: string;
  /** Texts of the log lines and errors that differ between owners. */
  texts: {
    /** Before how it ended in exit lines: `Python process ` or ``. */
    ended: string;
    /** When stopped by the node. */
    stopped: string;
    /** Why a start failed, with the reason and the script's last error. */
    startFailed: (why: string) => Error;
    /** That the start took too long. */
    tooSlow: (ms: number) => string;
    /** After how it ended when `restart` said no (default `not restarted`). */
    notRestarted?: string;
  };
  /** Called at each spawn, before any message is read. */
  onSpawn?: (child: ChildProcess) => void;
  /** Every message but the ready event and `error`. */
  onMessage?: (message: PythonMessage, reply: PythonReply) => void;
  /** Called at each ready event, with its message. */
  onReady?: (message: PythonMessage) => void;
  /** Whether to start again after a run that was not stopped by the node ended. */
  restart: (end: PythonProcessEnd) => boolean;
  /** How long a start may take to be ready, in ms (default 30000). */
  startTimeoutMs?: number;
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  logger: Logger;
}

/** A start waiting for an event: settled once, by the event or by its deadline. */
export interface PendingStart {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Settles `resolve`/`reject` through the returned pair, or calls `onTimeout` if neither was
 * called within `timeoutMs` (the timer does not keep the node alive).
 */
export function withDeadline(
  timeoutMs: number,
  onTimeout: () => void,
  resolve: () => void,
  reject: (error: Error) => void,
): PendingStart {
  const timer = setTimeout(onTimeout, timeoutMs);
  timer.unref();
  return {
    resolve: () => {
      clearTimeout(timer);
      resolve();
    },
    reject: (error) => {
      clearTimeout(timer);
      reject(error);
    },
  };
}

/** The log texts of a helper process that reports `ready` (python-child.ts, python-shared-container.ts). */
export function helperTexts(name: string, failure: (message: string) => Error): PythonProcessOptions['texts'] {
  return {
    ended: 'Python process ',
    stopped: 'Python process stopped',
    startFailed: (why) => failure(`${name}: the Python process ${why}`),
    tooSlow: (ms) => `was not ready within ${ms} ms`,
  };
}

/** Writes a JSON line to a child's stdin if it still takes input. */
function writeLine(stdin: Writable | null | undefined, message: unknown): boolean {
  if (stdin === undefined || stdin === null || stdin.destroyed) return false;
  stdin.write(`${JSON.stringify(message)}\n`);
  return true;
}

/** A supervised Python process. */
export class PythonProcess {
  readonly #options: PythonProcessOptions;
  readonly #backoff: RestartBackoff;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #ready = false;
  #starts = 0;
  #lastError: string | undefined;
  #firstStart: PendingStart | undefined;

  constructor(options: PythonProcessOptions) {
    this.#options = options;
    this.#backoff = new RestartBackoff({
      ...(options.restartDelayMs === undefined ? {} : { initialMs: options.restartDelayMs }),
      ...(options.restartMaxDelayMs === undefined ? {} : { maxMs: options.restartMaxDelayMs }),
    });
  }

  /** The running process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How many times the process has been started. */
  get starts(): number {
    return this.#starts;
  }

  /** Whether a process runs now. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Whether a process runs and has sent its ready event. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Starts the process; resolves at its ready event, rejects when it ends or times out first. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
      const tooSlow = () => {
        this.#failFirstStart(this.#options.texts.tooSlow(timeoutMs));
        void this.stop(1000);
      };
      this.#firstStart = withDeadline(timeoutMs, tooSlow, resolve, reject);
      this.#spawn();
    });
  }

  /** Writes one line to the running, ready process; false when none runs to take it. */
  send(message: unknown): boolean {
    return this.#ready && writeLine(this.#child?.stdin, message);
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
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', ...(options.extraStdio ?? [])],
      // Its own process group: a Ctrl-C in the terminal reaches the node only, which then stops
      // the process in order.
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
      options.logger.error({ [options.logField]: options.name, err: error }, `[${options.name}] ${this.#lastError}`);
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.write(`${JSON.stringify(options.spec())}\n`);
    if (child.stdout) this.#logLines(child.stdout, 'stdout');
    if (child.stderr) this.#logLines(child.stderr, 'stderr');
    options.onSpawn?.(child);
    const messages = child.stdio[3] as Readable | null;
    if (messages) this.#readMessages(messages, (message) => writeLine(child.stdin, message));
  }

  #readMessages(stream: Readable, reply: PythonReply): void {
    const options = this.#options;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      let message: PythonMessage;
      try {
        message = JSON.parse(line) as PythonMessage;
      } catch {
        return;
      }
      if (typeof message !== 'object' || message === null || Array.isArray(message)) return;
      if (message.event === options.readyEvent) {
        this.#ready = true;
        options.onReady?.(message);
        const first = this.#firstStart;
        this.#firstStart = undefined;
        first?.resolve();
      } else if (message.event === 'error' && typeof message.message === 'string') {
        this.#lastError = message.message;
        options.logger.error({ [options.logField]: options.name }, `[${options.name}] ${message.message}`);
      } else {
        options.onMessage?.(message, reply);
      }
    });
  }

  #logLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const { logger, logField } = this.#options;
    const prefix = `[${this.#options.name}] `;
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const log = name === 'stdout' ? logger.info : logger.warn;
    lines.on('line', (line) => log.call(logger, { [logField]: this.#options.name, stream: name }, prefix + line));
  }

  #failFirstStart(why: string): void {
    const first = this.#firstStart;
    if (first === undefined) return;
    this.#firstStart = undefined;
    const detail = this.#lastError === undefined ? '' : `: ${this.#lastError}`;
    first.reject(this.#options.texts.startFailed(`${why}${detail}`));
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    const { logger, logField, name, texts } = this.#options;
    this.#child = undefined;
    this.#ready = false;
    const how = signal === null ? `exited with code ${code ?? 'unknown'}` : `was killed by ${signal}`;
    if (this.#firstStart !== undefined) {
      this.#failFirstStart(how);
      return;
    }
    if (this.#stopping) {
      logger.info({ [logField]: name, code, signal }, `[${name}] ${texts.stopped}`);
      return;
    }
    if (!this.#options.restart({ code, signal, how }) || this.#stopping) {
      logger.warn(
        { [logField]: name, code, signal },
        `[${name}] ${texts.ended}${how}; ${texts.notRestarted ?? 'not restarted'}`,
      );
      return;
    }
    const delay = this.#backoff.delayAfter(ranMs);
    logger.warn(
      { [logField]: name, code, signal, restartInMs: delay },
      `[${name}] ${texts.ended}${how}; restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn();
    }, delay);
  }
}
