/**
 * The `wsgi` and `resource` path services (Crossbar's WSGI host and Twisted Web resource): the
 * Python code runs in a child process of the node (python/web_host.py, on Twisted as under
 * Crossbar), which serves HTTP on a Unix socket in a private directory; the path forwards each
 * request there with the node's `reverseproxy` implementation (reverse-proxy.ts), bodies streamed.
 *
 * - While the process is not running (starting again after it died), requests get 503 with a
 *   JSON body; an exception in the application gives 500 with a JSON body (web_host.py).
 * - The process is restarted with backoff when it dies, and stopped with the node.
 * - A module or class that cannot be loaded fails the node's start, naming the path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PythonChild, PythonChildError, pythonScript } from '../components/python-child.js';
import type { PythonWorkerOptions } from '../components/python-hosting.js';
import { AUTOBAHN_INSTALL_HINT, findPython } from '../components/python-runtime.js';
import type { ResourcePathConfig, WsgiPathConfig } from '../config/path-services-schema.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import { processEnvironment } from '../workers/process-environment.js';
import { sendError } from './http-responses.js';
import type { PathHandler } from './path-handler.js';
import { ReverseProxy } from './reverse-proxy.js';

/** Crossbar's thread pool defaults for WSGI apps. */
const DEFAULT_MIN_THREADS = 0;
const DEFAULT_MAX_THREADS = 20;

/** Options of {@link PythonWebService}. */
export interface PythonWebServiceOptions {
  config: WsgiPathConfig | ResourcePathConfig;
  /** The URL path the service is mounted at (`/`, `/app`, `/a/b`). */
  mount: string;
  worker: PythonWorkerOptions | undefined;
  cbdir: string;
  logger: Logger;
}

/** One `wsgi` or `resource` path and the Python process behind it. */
export class PythonWebService {
  readonly #options: PythonWebServiceOptions;
  readonly #directory: string;
  readonly #socket: string;
  readonly #proxy: ReverseProxy;
  readonly #name: string;
  #child: PythonChild | undefined;

  constructor(options: PythonWebServiceOptions) {
    this.#options = options;
    const { config, mount, logger } = options;
    this.#name = `${config.type} ${mount}`;
    // Only this user can enter the directory, so only the node reaches the socket.
    this.#directory = mkdtempSync(join(tmpdir(), 'interchange-py-'));
    this.#socket = join(this.#directory, 'http.sock');
    const basePath = mount === '/' ? '' : mount;
    this.#proxy = new ReverseProxy({
      config: { type: 'reverseproxy', host: 'localhost', path: basePath },
      socketPath: this.#socket,
      logger,
    });
  }

  /** The Python process (once started). */
  get child(): PythonChild | undefined {
    return this.#child;
  }

  /** Starts the Python process. @throws PythonChildError when the app cannot be loaded. */
  async start(): Promise<void> {
    const { config, mount, worker, cbdir, logger } = this.#options;
    const probe = await findPython(worker?.python);
    if (!probe.ok) {
      throw new PythonChildError(`${config.type} path ${mount}: ${probe.reason}; ${AUTOBAHN_INSTALL_HINT}`);
    }
    const app =
      config.type === 'wsgi'
        ? {
            kind: 'wsgi',
            module: config.module,
            object: config.object,
            minthreads: config.minthreads ?? DEFAULT_MIN_THREADS,
            maxthreads: config.maxthreads ?? DEFAULT_MAX_THREADS,
          }
        : { kind: 'resource', classname: config.classname, extra: config.extra ?? {} };
    this.#child = new PythonChild({
      name: this.#name,
      python: probe.runtime.executable,
      script: pythonScript('web_host.py'),
      spec: {
        ...app,
        pythonpath: (worker?.pythonpath ?? []).map((p) => resolveInCbdir(cbdir, p)),
        mount: mount.split('/').filter((segment) => segment !== ''),
        socket: this.#socket,
      },
      cwd: cbdir,
      env: processEnvironment(worker?.env, process.env),
      logger,
    });
    await this.#child.start();
  }

  /** Forwards one request to the Python process. */
  readonly handle: PathHandler = (req, res, subPath, mountPath) => {
    if (this.#child?.ready !== true) {
      sendError(res, 503, `the Python process of this ${this.#options.config.type} path is not running`, {
        path: this.#options.mount,
      });
      return;
    }
    return this.#proxy.handle(req, res, subPath, mountPath);
  };

  /** Stops the Python process and removes its socket. */
  async stop(graceMs = 5000): Promise<void> {
    this.#proxy.close();
    await this.#child?.stop(graceMs);
    rmSync(this.#directory, { recursive: true, force: true });
  }
}
