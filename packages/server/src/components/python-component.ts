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
 * (python-process.ts). `stop` ends it: SIGTERM, then SIGKILL after the grace period.
 */
import type { Socket } from 'node:net';
import { InvalidArgumentError, rawSocketLengthExponent } from '@interchange/protocol';
import type { Logger } from '../logger.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import type { FrameCachePool } from '../transports/frame-cache.js';
import { RawSocketConnection } from '../transports/rawsocket-connection.js';
import { RAWSOCKET_HANDSHAKE_TIMEOUT_MS } from '../transports/rawsocket-service.js';
import { type PythonMessage, PythonProcess, type PythonReply } from './python-process.js';
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
  /** The runner's messages other than its status (a controller call), with a way to answer. */
  onMessage?: (message: PythonMessage, reply: PythonReply) => void;
  /** More of the runner's spec (`controller`, `shared`). */
  runnerExtras?: Record<string, unknown>;
  logger: Logger;
}

/** What python/component_runner.py reads on stdin for a component. */
export function runnerSpecOf(
  options: Pick<
    PythonComponentOptions,
    'classname' | 'realm' | 'extra' | 'pythonpath' | 'transport' | 'cwd' | 'runnerExtras'
  >,
): Record<string, unknown> {
  const { classname, realm, extra, pythonpath, transport, cwd } = options;
  // As Crossbar does, components find the node directory in `extra.cbdir`.
  const withCbdir = extra === undefined || extra === null ? { cbdir: cwd } : extra;
  const runnerTransport =
    transport.kind === 'internal'
      ? { kind: 'fd', fd: INTERNAL_FD }
      : { ...transport, options: transport.options ?? {} };
  const spec: Record<string, unknown> = {
    ...options.runnerExtras,
    classname,
    realm,
    pythonpath,
    transport: runnerTransport,
  };
  spec.extra =
    typeof withCbdir === 'object' && !Array.isArray(withCbdir) && withCbdir !== null
      ? { ...(withCbdir as Record<string, unknown>), cbdir: cwd }
      : withCbdir;
  return spec;
}

/** Raised when a Python component cannot be started (its code or its config is at fault). */
export class PythonComponentError extends InvalidArgumentError {}

/** A Python component the node keeps running. */
export class PythonComponent {
  readonly id: string;
  readonly #options: PythonComponentOptions;
  readonly #logger: Logger;
  readonly #process: PythonProcess;
  #joins = 0;

  constructor(options: PythonComponentOptions) {
    this.id = options.id;
    this.#options = options;
    this.#logger = options.logger;
    const internal = options.transport.kind === 'internal';
    const { id, logger } = options;
    this.#process = new PythonProcess({
      name: id,
      logField: 'component',
      python: options.python,
      script: RUNNER_SCRIPT,
      spec: () => runnerSpecOf(options),
      cwd: options.cwd,
      env: options.env,
      extraStdio: [internal ? 'pipe' : 'ignore'],
      readyEvent: 'joined',
      texts: {
        ended: '',
        stopped: 'stopped',
        startFailed: (why) => new PythonComponentError(`Python component "${id}" (${options.classname}) ${why}`),
        tooSlow: (ms) => `did not join within ${ms} ms`,
      },
      onSpawn: (child) => {
        if (internal) this.#attachInternal(child.stdio[INTERNAL_FD] as Socket | null);
        logger.info(
          { component: id, pid: child.pid, classname: options.classname },
          `[${id}] Python component started`,
        );
      },
      onReady: (status) => {
        this.#joins += 1;
        logger.info(
          { component: id, session: status.session, authid: status.authid, authrole: status.authrole },
          `[${id}] joined realm ${String(status.realm)}`,
        );
      },
      onMessage: (message, reply) => {
        if (message.event === 'left') {
          logger.info({ component: id, reason: message.reason }, `[${id}] left: ${String(message.reason)}`);
        } else {
          options.onMessage?.(message, reply);
        }
      },
      restart: ({ code, signal }) => {
        const end: PythonComponentEnd = { failed: code !== 0, code, signal };
        return options.decide?.(end) ?? end.failed;
      },
      ...(options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs }),
      ...(options.restartDelayMs === undefined ? {} : { restartDelayMs: options.restartDelayMs }),
      ...(options.restartMaxDelayMs === undefined ? {} : { restartMaxDelayMs: options.restartMaxDelayMs }),
      logger,
    });
  }

  /** How many times the process has been started. */
  get starts(): number {
    return this.#process.starts;
  }

  /** How many times the component has joined its realm. */
  get joins(): number {
    return this.#joins;
  }

  /** The running process's ID, if it runs. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Whether a process runs now. */
  get running(): boolean {
    return this.#process.running;
  }

  /**
   * Starts the process; resolves once the component has joined its realm.
   * @throws PythonComponentError when it ends or times out before joining (not restarted then).
   */
  start(): Promise<void> {
    return this.#process.start();
  }

  /** Stops restarting and ends the process: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs = 5000): Promise<void> {
    return this.#process.stop(graceMs);
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
}
