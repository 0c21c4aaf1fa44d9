/**
 * A Python helper process the node starts, supervises and stops: the host of a `wsgi` or
 * `resource` web path (python/web_host.py) or of a Python `function` authenticator
 * (python/auth_function_host.py). Unlike a Python component (python-component.ts), it does not
 * join a realm: it reports `{"event": "ready"}` on fd 3 once it serves, and the node's requests
 * and its answers travel as JSON lines over its pipes (python-process.ts).
 *
 * When the process ends unexpectedly after it was ready, it is started again with the guest
 * workers' backoff (restart-backoff.ts); when it ends before it was ready the first time, the
 * start fails (the user's module cannot be loaded: restarting would not help).
 */
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import { helperTexts, type PythonMessage, PythonProcess, type PythonReply } from './python-process.js';

/** A script of packages/server/python/. */
export function pythonScript(name: string): string {
  return fileURLToPath(new URL(`../../python/${name}`, import.meta.url));
}

/** A message from the script on fd 3. */
export type PythonChildMessage = PythonMessage;

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
  /** Every message but `ready` and `error`, with a way to answer the process it came from. */
  onMessage?: (message: PythonChildMessage, reply: PythonReply) => void;
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
  readonly #process: PythonProcess;

  constructor(options: PythonChildOptions) {
    this.name = options.name;
    const { logger, name } = options;
    this.#process = new PythonProcess({
      name,
      logField: 'python',
      python: options.python,
      script: options.script,
      spec: () => options.spec,
      cwd: options.cwd,
      env: options.env,
      readyEvent: 'ready',
      texts: helperTexts(name, (message) => new PythonChildError(message)),
      ...(options.onMessage === undefined ? {} : { onMessage: options.onMessage }),
      onReady: (message) => {
        logger.info({ python: name, pid: this.pid }, `[${name}] Python process ready`);
        options.onReady?.(message);
      },
      restart: (end) => {
        options.onExit?.(end.how);
        return true;
      },
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
      ...(options.restartDelayMs === undefined ? {} : { restartDelayMs: options.restartDelayMs }),
      logger,
    });
  }

  /** The running process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** How many times the process has been started. */
  get starts(): number {
    return this.#process.starts;
  }

  /** Whether a process runs and has reported `ready`. */
  get ready(): boolean {
    return this.#process.ready;
  }

  /**
   * Starts the process; resolves once it reported `ready`.
   * @throws PythonChildError when it ends or times out first (not restarted then).
   */
  start(): Promise<void> {
    return this.#process.start();
  }

  /** Writes one request line to the script; false when no process runs to take it. */
  send(message: unknown): boolean {
    return this.#process.send(message);
  }

  /** Stops restarting and ends the process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 5000): Promise<void> {
    return this.#process.stop(graceMs);
  }
}
