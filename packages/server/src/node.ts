/**
 * The node users start: one router per router worker of the config, its realms, its listening
 * transports and hosted components; then the components of container workers and the guest
 * workers; and an orderly stop (guests end, every session gets GOODBYE, then the listeners close).
 */
import { type Clock, InvalidArgumentError } from '@interchange/protocol';
import { Router } from '@interchange/router';
import type { NatsCluster } from './cluster/nats-cluster.js';
import { startClusterMember } from './cluster/start-cluster.js';
import { type RunningComponent, startClassComponent } from './components/class-component.js';
import { componentLanguage } from './components/component-language.js';
import { startContainerComponent } from './components/container-component.js';
import { JsContainerComponent } from './components/js-container-component.js';
import type { PythonAuthFunction } from './components/python-auth-function.js';
import type { PythonComponent } from './components/python-component.js';
import { containerPythonComponent, routerPythonComponent, sharedContainerPython } from './components/python-hosting.js';
import type { PythonSharedContainer } from './components/python-shared-container.js';
import { loadAuthFunctions } from './config/auth-functions.js';
import { authThrottleOf } from './config/auth-throttle-schema.js';
import type { ClusterConfig, NodeConfig } from './config/config-schema.js';
import { localTargetOf } from './config/config-walk.js';
import { RLINKS_IN_CLUSTER } from './config/rlink-schema.js';
import { realmsOfWorker, TRUSTED_ROLE } from './config/router-config.js';
import { parseConfig, resolveInCbdir } from './config/validate-config.js';
import { childLogger, type Logger, silentLogger } from './logger.js';
import { type ActivitySnapshot, NodeActivity } from './metrics/node-activity.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import { nodeControllerOf } from './node-controller.js';
import { readNodeKey } from './node-key.js';
import { PathServices } from './node-paths.js';
import { type RunningTransport, startTransport, type TransportAddress } from './node-transports.js';
import type { RouterLink } from './rlinks/router-link.js';
import { hasRouterLinks, startRouterLinks } from './rlinks/router-links.js';
import { RealmStores } from './store/realm-stores.js';
import { FrameCachePool } from './transports/frame-cache.js';
import { packageVersion } from './version.js';
import type { NodeInfo } from './web/nodeinfo-service.js';
import { ContainerPolicy } from './workers/container-policy.js';
import { GuestWorker } from './workers/guest-worker.js';
import { routerPlacement } from './workers/router-placement.js';
import { pinRouterProcess } from './workers/router-process-start.js';
import { type SelfShutdown, ShutdownTriggers } from './workers/shutdown-triggers.js';

export type { TransportAddress } from './node-transports.js';

/** Replaces every TCP transport's bind address or port (tests bind `127.0.0.1`, port 0). */
export interface ListenOverrides {
  interface?: string;
  port?: number;
}

/** Options of {@link InterchangeNode.start}. */
export interface NodeStartOptions {
  /** A node config (validated here; a {@link NodeConfig} or the parsed file). */
  config: unknown;
  /** The directory config paths resolve against (the config file's directory). */
  cbdir: string;
  /** pino-compatible logger; silent by default. */
  logger?: Logger;
  overrides?: ListenOverrides;
  /** The routers' time source. */
  clock?: Clock;
  /** The cluster node ID (`interchange start --node-id`); overrides the config's `cluster.node`. */
  nodeId?: string;
  /** The cluster to join when the config has no `cluster` block (the workers of `start --workers`). */
  cluster?: ClusterConfig;
  /** Aborts a start still waiting for NATS. */
  signal?: AbortSignal;
}

/** Options of {@link InterchangeNode.stop}. */
export interface NodeStopOptions {
  /** GOODBYE reason; `wamp.close.system_shutdown` by default. */
  reason?: string;
  /** How long to wait for GOODBYE replies (ms); 5000 by default. */
  timeoutMs?: number;
}

interface Parts {
  routers: Router[];
  transports: RunningTransport[];
  paths: PathServices[];
  components: RunningComponent[];
  python: PythonComponent[];
  /** The one Python process of each container worker with `expose_shared` (python-shared-container.ts). */
  sharedPython: PythonSharedContainer[];
  /** The Python processes of Python `function` authenticators and authorizers. */
  authFunctions: PythonAuthFunction[];
  /** The JS components of container workers (also in `components`). */
  containerJs: JsContainerComponent[];
  guests: GuestWorker[];
  /** Router-to-router links (src/rlinks/), stopped before the routers. */
  links: RouterLink[];
  /** The realms' persistent stores, closed after the routers. */
  stores?: RealmStores;
  clusters: NatsCluster[];
  /** The routers and transports whose figures metrics, nodeinfo and `interchange status` read. */
  activity: NodeActivity;
}

/**
 * A running Interchange node.
 *
 * @example
 * const { config, cbdir } = await loadConfig({ cbdir: '.interchange' });
 * const node = await InterchangeNode.start({ config, cbdir, logger: pino() });
 * console.log(node.addresses[0]?.websocketUrls);
 * await node.stop();
 */
export class InterchangeNode {
  /** One router per router worker, in config order. */
  readonly routers: readonly Router[];
  /** Where each transport listens, in config order. */
  readonly addresses: readonly TransportAddress[];
  /** Hosted components (router and container workers), started. */
  readonly components: readonly RunningComponent[];
  /** Python components (router and container workers), each a supervised child process. */
  readonly pythonComponents: readonly PythonComponent[];
  /** Guest workers, started. */
  readonly guests: readonly GuestWorker[];
  /** Router-to-router links (Crossbar's `rlinks`), started. */
  readonly links: readonly RouterLink[];
  readonly #parts: Parts;
  readonly #logger: Logger;
  readonly #info: NodeInfo;
  #stopping: Promise<void> | undefined;
  /**
   * Resolves when the node stops by itself because a worker's exit fired one of the controller's
   * `options.shutdown` triggers (the node is then stopping); never otherwise.
   */
  readonly selfShutdown: Promise<SelfShutdown>;

  private constructor(parts: Parts, info: NodeInfo, logger: Logger, selfShutdown: Promise<SelfShutdown>) {
    this.selfShutdown = selfShutdown;
    this.#parts = parts;
    this.routers = parts.routers;
    this.addresses = parts.transports.map((t) => t.address);
    this.components = parts.components;
    this.pythonComponents = parts.python;
    this.guests = parts.guests;
    this.links = parts.links;
    this.#info = info;
    this.#logger = logger;
  }

  /** What the nodeinfo page shows. */
  get info(): NodeInfo {
    return this.#info;
  }

  /** What the node is doing now: sessions, messages, traffic, memory (read when asked). */
  activity(): ActivitySnapshot {
    return this.#parts.activity.snapshot();
  }

  /**
   * Validates the config, creates the routers and realms, starts hosted components, binds the
   * listeners, then starts container components and guest workers. If any step fails, what was
   * started is stopped again and the error thrown.
   *
   * @throws ConfigError for an invalid config; TransportError when a port cannot be bound;
   *   what a component's module or entry point throws.
   */
  static async start(options: NodeStartOptions): Promise<InterchangeNode> {
    const logger = options.logger ?? silentLogger;
    const { cbdir } = options;
    const config: NodeConfig = await parseConfig(options.config, {
      cbdir,
      // Logged once here, at start; `interchange check` prints the same warnings.
      onWarning: (issue) => logger.warn({ key: issue.path }, `config: ${issue.path}: ${issue.message}`),
    });
    // A config's own `cluster` block is refused with rlinks by the check; `--workers` comes here.
    if (options.cluster !== undefined && config.workers.some((w) => w.type === 'router' && hasRouterLinks(w))) {
      throw new InvalidArgumentError(RLINKS_IN_CLUSTER);
    }
    await pinRouterProcess(config, logger);
    const version = await packageVersion();
    const key = await readNodeKey(cbdir).catch((error: unknown) => {
      logger.warn({ err: error }, 'node key files unreadable; nodeinfo shows no key');
      return undefined;
    });
    const info: NodeInfo = {
      title: `Interchange ${version}`,
      version,
      started: new Date().toISOString(),
      pid: process.pid,
      workers: config.workers.length,
      pubkey: key?.publicKey,
    };
    const activity = new NodeActivity();
    const parts: Parts = {
      routers: [],
      transports: [],
      paths: [],
      components: [],
      python: [],
      sharedPython: [],
      authFunctions: [],
      containerJs: [],
      guests: [],
      links: [],
      clusters: [],
      activity,
    };
    const triggers = new ShutdownTriggers(config.controller?.options?.shutdown, {
      inProcess: config.workers.filter((w) => w.type !== 'guest').length,
      guests: config.workers.filter((w) => w.type === 'guest').length,
    });
    let node: InterchangeNode | undefined;
    let shutdownCause: SelfShutdown | undefined;
    let resolveSelfShutdown!: (cause: SelfShutdown) => void;
    const selfShutdown = new Promise<SelfShutdown>((resolve) => {
      resolveSelfShutdown = resolve;
    });
    const stopBy = (cause: SelfShutdown, why: string): void => {
      if (shutdownCause !== undefined) return;
      shutdownCause = cause;
      logger.warn({ ...cause }, why);
      resolveSelfShutdown(cause);
      void node?.stop();
    };
    const onGuestExit =
      (worker: string) =>
      (exit: { code: number | null; signal: NodeJS.Signals | null; restarting: boolean }): boolean => {
        const cause = triggers.onWorkerExit({ worker, ...exit });
        if (cause === undefined) return false;
        stopBy(cause, `worker ${worker} exited: stopping the node (${cause.trigger})`);
        return true;
      };
    // `expose_controller`: Python code reaches this (components/node-controller-api.ts).
    const controller = nodeControllerOf({
      config,
      cbdir,
      title: info.title,
      pubkey: info.pubkey,
      nodeId: options.nodeId,
      guests: () => parts.guests,
      shutdown: (worker) =>
        stopBy(
          { trigger: 'shutdown_on_shutdown_requested', worker, error: false },
          `crossbar.shutdown called by code of ${worker}: stopping the node`,
        ),
      logger,
    });
    parts.authFunctions = await loadAuthFunctions(config, cbdir, logger, controller);
    const routerWorkers = config.workers.filter((worker) => worker.type === 'router').length;
    const routerOf = new Map<number, Router>();
    const frameCaches = new FrameCachePool();
    let metrics: NodeMetrics | undefined;
    const nodeMetrics = () => {
      metrics ??= new NodeMetrics(activity);
      return metrics;
    };
    try {
      parts.stores = await RealmStores.open(config, cbdir, logger);
      for (const [w, worker] of config.workers.entries()) {
        if (worker.type !== 'router') continue;
        const workerLogger = childLogger(logger, { worker: worker.id ?? w });
        // docs/scaling.md: with a `cluster` block, each router worker is a node of the cluster,
        // a full member before its router takes any session.
        const clusterConfig = config.cluster ?? options.cluster;
        const cluster =
          clusterConfig === undefined
            ? undefined
            : await startClusterMember(clusterConfig, {
                cbdir,
                logger: workerLogger,
                nodeId: options.nodeId,
                suffix: routerWorkers > 1 ? String(worker.id ?? w) : undefined,
                realms: realmsOfWorker(worker),
                signal: options.signal,
              });
        if (cluster !== undefined) parts.clusters.push(cluster);
        const router = new Router({
          ...(cluster === undefined ? {} : { cluster }),
          placement: routerPlacement(config, w, { clusterNode: cluster?.node, nodeId: options.nodeId }),
          realms: realmsOfWorker(worker),
          realmStore: parts.stores.forWorker(w),
          logger: workerLogger,
          ...(options.clock === undefined ? {} : { clock: options.clock }),
          auth: {
            // Cryptosign router authentication signs with the node key, as Crossbar's does.
            ...(key?.privateKey === undefined ? {} : { routerKey: key.privateKey }),
            ...(worker.options?.auth_throttle === undefined
              ? {}
              : { throttle: authThrottleOf(worker.options.auth_throttle) }),
          },
        });
        parts.routers.push(router);
        activity.addRouter(router);
        routerOf.set(w, router);
        for (const realm of worker.realms) workerLogger.info({ realm: realm.name }, 'realm started');
        for (const component of worker.components) {
          const spec = { ...component, authrole: component.role ?? TRUSTED_ROLE };
          if (componentLanguage(component.classname) === 'python') {
            const python = await routerPythonComponent({
              component,
              authrole: spec.authrole,
              router,
              frameCaches,
              worker: worker.options,
              controller: (id) => controller.link(w, id),
              cbdir,
              logger: workerLogger,
            });
            parts.python.push(python);
            await python.start();
            continue;
          }
          parts.components.push(await startClassComponent({ component: spec, router, cbdir, logger: workerLogger }));
        }
        const paths = new PathServices({
          router,
          realms: router,
          frameCaches,
          nodeInfo: () => ({ ...info, activity: activity.snapshot() }),
          metrics: nodeMetrics,
          cbdir,
          nonceStore: (realm) => parts.stores?.noncesOf(w, realm),
          python: worker.options,
          logger: workerLogger,
        });
        parts.paths.push(paths);
        for (const [t, transport] of worker.transports.entries()) {
          const endpoint =
            transport.endpoint.type === 'tcp'
              ? {
                  ...transport.endpoint,
                  ...(options.overrides?.interface === undefined ? {} : { interface: options.overrides.interface }),
                  ...(options.overrides?.port === undefined ? {} : { port: options.overrides.port }),
                }
              : transport.endpoint;
          const transportLogger = childLogger(workerLogger, { transport: transport.id ?? t });
          const running = await startTransport(transport, endpoint, {
            worker: w,
            index: t,
            router,
            frameCaches,
            paths,
            cbdir,
            logger: transportLogger,
          });
          parts.transports.push(running);
          activity.addTransport(running);
          const { address } = running;
          transportLogger.info(
            {
              type: transport.type,
              host: address.host,
              port: address.port,
              url: address.url,
              websocket: address.websocketUrls,
              secure: address.secure,
            },
            'transport listening',
          );
        }
        await paths.start();
      }
      // After every listener is up, so nodes that link to each other can all start.
      for (const [w, worker] of config.workers.entries()) {
        const router = routerOf.get(w);
        if (worker.type !== 'router' || router === undefined) continue;
        const workerLogger = childLogger(logger, { worker: worker.id ?? w });
        parts.links.push(...(await startRouterLinks({ worker, router, cbdir, logger: workerLogger })));
      }
      for (const [w, worker] of config.workers.entries()) {
        if (worker.type !== 'container') continue;
        const workerLogger = childLogger(logger, { worker: worker.id ?? w });
        const containerId = worker.id ?? `worker${w}`;
        let sharedHost: PythonSharedContainer | undefined;
        const policy = new ContainerPolicy({
          id: containerId,
          shutdown: worker.options?.shutdown,
          restart: worker.options?.restart,
          // A container that shuts down is a worker that exited, for the controller's triggers.
          onShutdown: (failed) => {
            // Its components have been told to stop; then the process they shared ends too.
            void sharedHost?.stop();
            onGuestExit(containerId)({ code: failed ? 1 : 0, signal: null, restarting: false });
          },
          logger: workerLogger,
        });
        const pythonComponents = worker.components.filter((c) => componentLanguage(c.classname) === 'python');
        // `expose_shared`: one process for the Python components, so they share one dict.
        const shared = worker.options?.expose_shared === true && pythonComponents.length > 1;
        if (shared) {
          sharedHost = await sharedContainerPython({
            id: containerId,
            components: pythonComponents,
            config,
            addresses: parts.transports.map((t) => t.address),
            worker: worker.options,
            cbdir,
            controller: controller.link(w, 'python components'),
            decide: (member, end) => policy.decide(member, end.failed),
            logger: workerLogger,
          });
          parts.sharedPython.push(sharedHost);
          for (const member of sharedHost.members) policy.add(member);
          await sharedHost.start();
        }
        for (const component of worker.components) {
          if (componentLanguage(component.classname) === 'python') {
            if (shared) continue;
            const python = await containerPythonComponent({
              component,
              config,
              addresses: parts.transports.map((t) => t.address),
              worker: worker.options,
              controller: (id) => controller.link(w, id),
              cbdir,
              logger: workerLogger,
              decide: (member, end) => policy.decide(member, end.failed),
            });
            policy.add(python);
            parts.python.push(python);
            await python.start();
            continue;
          }
          const local = localTargetOf(config, component, (path) => resolveInCbdir(cbdir, path));
          const router = local === undefined ? undefined : routerOf.get(local.worker);
          const target = local === undefined || router === undefined ? undefined : { router, authrole: local.authrole };
          const member: JsContainerComponent = new JsContainerComponent({
            id: component.id ?? component.classname,
            run: () => startContainerComponent({ component, target, cbdir, logger: workerLogger }),
            decide: (failed) => policy.decide(member, failed),
            logger: workerLogger,
          });
          policy.add(member);
          parts.containerJs.push(member);
          parts.components.push(member);
          await member.start();
        }
      }
      for (const [w, worker] of config.workers.entries()) {
        if (worker.type !== 'guest') continue;
        const id = worker.id ?? `worker${w}`;
        const guest = new GuestWorker({
          config: worker,
          id,
          cbdir,
          logger: childLogger(logger, { worker: id }),
          onExit: onGuestExit(id),
        });
        parts.guests.push(guest);
        await guest.start();
      }
    } catch (error) {
      await shutdownAll(parts, { timeoutMs: 1000 }, logger);
      throw error;
    }
    logger.info(
      {
        workers: config.workers.length,
        transports: parts.transports.length,
        components: parts.components.length,
        guests: parts.guests.length,
      },
      'node started',
    );
    node = new InterchangeNode(parts, info, logger, selfShutdown);
    // A trigger that fired while the node was still starting.
    if (shutdownCause !== undefined) void node.stop();
    return node;
  }

  /**
   * Stops the node: guest workers are stopped, every session gets GOODBYE
   * (`wamp.close.system_shutdown`) and has until `timeoutMs` to answer, then connections and
   * listeners close. Calling it again returns the same promise.
   */
  stop(options: NodeStopOptions = {}): Promise<void> {
    this.#stopping ??= shutdownAll(this.#parts, options, this.#logger).then(() => {
      this.#logger.info({}, 'node stopped');
    });
    return this.#stopping;
  }
}

async function shutdownAll(parts: Parts, options: NodeStopOptions, logger: Logger): Promise<void> {
  const shutdown = {
    ...(options.reason === undefined ? {} : { reason: options.reason }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  await Promise.all([
    ...parts.guests.map((guest) => guest.stop(options.timeoutMs ?? 5000)),
    ...parts.python.map((component) => component.stop(options.timeoutMs ?? 5000)),
    ...parts.sharedPython.map((host) => host.stop(options.timeoutMs ?? 5000)),
    ...parts.containerJs.map((component) => component.stop()),
  ]);
  await Promise.all(parts.links.map((link) => link.stop()));
  await Promise.all(parts.routers.map((router) => router.shutdown(shutdown)));
  await Promise.all(parts.authFunctions.map((fn) => fn.stop(options.timeoutMs ?? 5000)));
  await Promise.all(parts.clusters.map((cluster) => cluster.close()));
  await Promise.all([
    ...parts.paths.map((paths) => paths.close()),
    ...parts.transports.map((transport) => transport.close(1000)),
  ]).catch((error: unknown) => logger.error({ err: error }, 'error while closing listeners'));
  await parts.stores
    ?.close()
    .catch((error: unknown) => logger.error({ err: error }, 'error while closing realm stores'));
}
