/**
 * A Python `class` component (Crossbar's components written for Autobahn|Python), run as a
 * supervised child process of the node: python/component_runner.py imports the class from the
 * worker's `pythonpath` and connects it.
 *
 * - Router-worker components connect through a socket pair the node creates for the child
 *   (its fd 4): no listener exists, so no other process can use it, and the node attaches it to
 *   the router with the configured role and authid, whatever the component's HELLO asks (as
 *   Crossbar's router components get their configured identity).
 * - Container components connect over their configured transport (WebSocket or RawSocket, TCP
 *   or Unix, TLS when `endpoint.tls` is set).
 *
 * Each line the component prints is logged, prefixed with its id. When the process ends, the
 * owner's `decide` says whether it starts again; restarts follow the guest workers' backoff
 * (restart-backoff.ts). `stop` ends it: SIGTERM, then SIGKILL after the grace period.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, rawSocketLengthExponent } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import type { FrameCachePool } from '../transports/frame-cache.js';
import { RawSocketConnection } from '../transports/rawsocket-connection.js';
import { RAWSOCKET_HANDSHAKE_TIMEOUT_MS } from '../transports/rawsocket-service.js';
import { RestartBackoff } from '../workers/restart-backoff.js';
import { terminateChild } from '../workers/terminate-child.js';
import { RUNNER_SCRIPT } from './python-runtime.js';

/** The file descriptor of the child that carries the internal WAMP connection. */
const INTERNAL_FD = 4;
/** Messages on the internal connection may be as large as RawSocket allows (16 MiB). */
const INTERNAL_MAX_MESSAGE = 16 * 1024 * 1024;

/** Where a connecting component's transport goes (paths absolute). */
export type RunnerEndpoint =
  | {
      type: 'tcp';
      host: string;
      port: number;
      timeout?: number;
      tls?: { hostname: string; ca_certificates?: string[]; certificate?: string; key?: string };
    }
  | { type: 'unix'; path: string; timeout?: number };

/** How a Python component reaches its router. */
export type PythonTransport =
  | {
      kind: 'internal';
      router: SessionAcceptor;
      frameCaches: FrameCachePool;
      authrole: string;
      authid: string;
    }
  | {
      kind: 'websocket';
      url: string;
      endpoint: RunnerEndpoint;
      serializers?: string[];
      options?: { max_message_size?: number | undefined };
    }
  | {
      kind: 'rawsocket';
      endpoint: RunnerEndpoint;
      serializer: string;
      options?: { max_message_size?: number | undefined };
    };

/** How one run of the component ended. */
export interface PythonComponentEnd {
  /** false when the session ended normally (it left, or the router closed it normally). */
  failed: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Options of {@link PythonComponent}. */
export interface PythonComponentOptions {
  /** The component's id in logs (config `id`, else its classname). */
  id: string;
  classname: string;
  realm: string;
  extra: unknown;
  /** The interpreter (see python-runtime.ts). */
  python: string;
  /** Absolute directories put first on the module path. */
  pythonpath: string[];
  /** The working directory (the cbdir, as Crossbar's workers have it). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  transport: PythonTransport;
  /** Whether to start again after a run ended; by default, when it failed. */
  decide?: (end: PythonComponentEnd) => boolean;
  /** First restart delay and its ceiling, in ms (defaults 1000 and 30000). */
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  /** How long the first start may take to join, in ms (default 30000). */
  startTimeoutMs?: number;
  logger: Logger;
}

/** Raised when a Python component cannot be started (its code or its config is at fault). */
export class PythonComponentError extends InvalidArgumentError {}

/** A Python component the node keeps running. */
export class PythonComponent {
  readonly id: string;
  readonly #options: PythonComponentOptions;
  readonly #logger: Logger;
  readonly #backoff: RestartBackoff;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #restartTimer: NodeJS.Timeout | undefined;
  #stopping = false;
  #starts = 0;
  #joins = 0;
  #lastError: string | undefined;
  #firstStart: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(options: PythonComponentOptions) {
    this.id = options.id;
    this.#options = options;
    this.#logger = options.logger;
    this.#backoff = new RestartBackoff({
      ...(options.restartDelayMs === undefined ? {} : { initialMs: options.restartDelayMs }),
      ...(options.restartMaxDelayMs === undefined ? {} : { maxMs: options.restartMaxDelayMs }),
    });
  }

  /** How many times the process has been started. */
  get starts(): number {
    return this.#starts;
  }

  /** How many times the component has joined its realm. */
  get joins(): number {
    return this.#joins;
  }

  /** The running process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether a process runs now. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /**
   * Starts the process; resolves once the component has joined its realm.
   * @throws PythonComponentError when it ends or times out before joining (not restarted then).
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#firstStart = { resolve, reject };
      const timeoutMs = this.#options.startTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.#failFirstStart(`did not join within ${timeoutMs} ms`);
        void this.stop(1000);
      }, timeoutMs);
      timer.unref();
      const done = () => clearTimeout(timer);
      this.#firstStart = {
        resolve: () => {
          done();
          resolve();
        },
        reject: (error) => {
          done();
          reject(error);
        },
      };
      this.#spawn();
    });
  }

  /** Stops restarting and ends the process: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await terminateChild(this.#child, this.#exited, graceMs);
  }

  #spawn(): void {
    const options = this.#options;
    const internal = options.transport.kind === 'internal';
    this.#starts += 1;
    this.#lastError = undefined;
    const startedAt = Date.now();
    const child = spawn(options.python, ['-u', RUNNER_SCRIPT], {
      cwd: options.cwd,
      env: { ...options.env, PYTHONUNBUFFERED: '1' },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', internal ? 'pipe' : 'ignore'],
      // Its own process group: a Ctrl-C in the terminal reaches the node only, which then stops
      // the component in order (and a component outliving the node loses its connection).
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
      this.#logger.error({ component: this.id, err: error }, `[${this.id}] ${this.#lastError}`);
    });
    child.stdin?.on('error', () => undefined);
    // Kept open: the runner exits when it reads end of input, i.e. when this process is gone.
    child.stdin?.write(`${JSON.stringify(this.#runnerSpec())}\n`);
    if (child.stdout) this.#logLines(child.stdout, 'stdout');
    if (child.stderr) this.#logLines(child.stderr, 'stderr');
    const status = child.stdio[3] as Readable | null;
    if (status) this.#readStatus(status);
    if (internal) this.#attachInternal(child.stdio[INTERNAL_FD] as Socket | null);
    this.#logger.info(
      { component: this.id, pid: child.pid, classname: options.classname },
      `[${this.id}] Python component started`,
    );
  }

  /** What the runner reads on stdin. */
  #runnerSpec(): Record<string, unknown> {
    const { classname, realm, extra, pythonpath, transport, cwd } = this.#options;
    // As Crossbar does, components find the node directory in `extra.cbdir`.
    const withCbdir = extra === undefined || extra === null ? { cbdir: cwd } : extra;
    const runnerTransport =
      transport.kind === 'internal'
        ? { kind: 'fd', fd: INTERNAL_FD }
        : { ...transport, options: transport.options ?? {} };
    const spec: Record<string, unknown> = { classname, realm, pythonpath, transport: runnerTransport };
    spec.extra =
      typeof withCbdir === 'object' && !Array.isArray(withCbdir) && withCbdir !== null
        ? { ...(withCbdir as Record<string, unknown>), cbdir: cwd }
        : withCbdir;
    return spec;
  }

  #attachInternal(socket: Socket | null): void {
    const transport = this.#options.transport;
    if (socket === null || transport.kind !== 'internal') return;
    const connection = new RawSocketConnection({
      socket,
      cacheFor: (name) => transport.frameCaches.forSubprotocol(`wamp.2.${name}`),
      lengthExponent: rawSocketLengthExponent(INTERNAL_MAX_MESSAGE),
      attach: (peer) => {
        // The identity is the configured one: no authentication on a connection only the child has.
        const session = transport.router.connect(peer, {
          authrole: transport.authrole,
          authid: transport.authid,
          authmethod: 'trusted',
        });
        // And so is the realm, whatever the HELLO names, as Crossbar embeds a router component.
        const realm = this.#options.realm;
        return {
          receive: (message) => session.receive(message.type === 'HELLO' ? { ...message, realm } : message),
          protocolViolation: (reason) => session.protocolViolation(reason),
          transportClosed: () => session.transportClosed(),
        };
      },
      handshakeTimeoutMs: RAWSOCKET_HANDSHAKE_TIMEOUT_MS,
      info: { peer: `component:${this.id}` },
      logger: this.#logger,
    });
    try {
      connection.start();
    } catch (error) {
      this.#logger.error({ component: this.id, err: error }, `[${this.id}] internal connection failed`);
      socket.destroy();
    }
  }

  #readStatus(stream: Readable): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      let status: { event?: unknown; [key: string]: unknown };
      try {
        status = JSON.parse(line) as typeof status;
      } catch {
        return;
      }
      if (status.event === 'joined') {
        this.#joins += 1;
        this.#logger.info(
          { component: this.id, session: status.session, authid: status.authid, authrole: status.authrole },
          `[${this.id}] joined realm ${String(status.realm)}`,
        );
        const first = this.#firstStart;
        this.#firstStart = undefined;
        first?.resolve();
      } else if (status.event === 'error' && typeof status.message === 'string') {
        this.#lastError = status.message;
        this.#logger.error({ component: this.id }, `[${this.id}] ${status.message}`);
      } else if (status.event === 'left') {
        this.#logger.info({ component: this.id, reason: status.reason }, `[${this.id}] left: ${String(status.reason)}`);
      }
    });
  }

  #logLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
    const log = name === 'stdout' ? this.#logger.info : this.#logger.warn;
    lines.on('line', (line) => log.call(this.#logger, { component: this.id, stream: name }, `[${this.id}] ${line}`));
  }

  #failFirstStart(why: string): void {
    const first = this.#firstStart;
    if (first === undefined) return;
    this.#firstStart = undefined;
    const detail = this.#lastError === undefined ? '' : `: ${this.#lastError}`;
    first.reject(
      new PythonComponentError(`Python component "${this.id}" (${this.#options.classname}) ${why}${detail}`),
    );
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null, ranMs: number): void {
    this.#child = undefined;
    const how = signal === null ? `exited with code ${code ?? 'unknown'}` : `was killed by ${signal}`;
    if (this.#firstStart !== undefined) {
      this.#failFirstStart(how);
      return;
    }
    if (this.#stopping) {
      this.#logger.info({ component: this.id, code, signal }, `[${this.id}] stopped`);
      return;
    }
    const end: PythonComponentEnd = { failed: code !== 0, code, signal };
    const restart = this.#options.decide?.(end) ?? end.failed;
    if (!restart || this.#stopping) {
      this.#logger.warn({ component: this.id, code, signal }, `[${this.id}] ${how}; not restarted`);
      return;
    }
    const delay = this.#backoff.delayAfter(ranMs);
    this.#logger.warn(
      { component: this.id, code, signal, restartInMs: delay },
      `[${this.id}] ${how}; restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => {
      if (!this.#stopping) this.#spawn();
    }, delay);
  }
}
