/**
 * From the config of a Python component to a running {@link PythonComponent}: the interpreter,
 * the worker's `pythonpath` and `env`, and the transport (internal for router workers; the
 * configured one for containers, pointed at the port really bound when it is this node's).
 */
import type { ContainerComponentConfig } from '../config/component-schema.js';
import type { NodeConfig } from '../config/config-schema.js';
import { localTargetOf } from '../config/config-walk.js';
import { resolveInCbdir } from '../config/validate-config.js';
import type { Logger } from '../logger.js';
import type { TransportAddress } from '../node-transports.js';
import type { SessionAcceptor } from '../session-acceptor.js';
import type { FrameCachePool } from '../transports/frame-cache.js';
import { type ProcessEnvConfig, processEnvironment } from '../workers/process-environment.js';
import {
  PythonComponent,
  type PythonComponentEnd,
  PythonComponentError,
  type PythonTransport,
  type RunnerEndpoint,
} from './python-component.js';
import type { ControllerLink } from './python-controller-link.js';
import { AUTOBAHN_INSTALL_HINT, findPython } from './python-runtime.js';
import { PythonSharedContainer, type SharedPythonComponent } from './python-shared-container.js';

/** The process-related `options` of a router or container worker. */
export interface PythonWorkerOptions {
  python?: string | undefined;
  pythonpath?: string[] | undefined;
  env?: ProcessEnvConfig | undefined;
  /** Hands the worker's components the node's controller as `config.controller`. */
  expose_controller?: boolean | undefined;
  /** Hands the worker's components a dict they share as `config.shared`. */
  expose_shared?: boolean | undefined;
}

interface Common {
  worker: PythonWorkerOptions | undefined;
  cbdir: string;
  logger: Logger;
  decide?: (component: PythonComponent, end: PythonComponentEnd) => boolean;
  /** The node's controller, for a worker with `expose_controller` (called with the component's ID). */
  controller?: ((component: string) => ControllerLink) | undefined;
}

async function interpreter(worker: PythonWorkerOptions | undefined, id: string): Promise<string> {
  const probe = await findPython(worker?.python);
  if (!probe.ok) {
    throw new PythonComponentError(
      `component "${id}" is a Python component: ${probe.reason}; ${AUTOBAHN_INSTALL_HINT}`,
    );
  }
  return probe.runtime.executable;
}

async function build(
  common: Common,
  component: { id?: string | undefined; classname: string; realm: string; extra?: unknown },
  transport: PythonTransport,
): Promise<PythonComponent> {
  const id = component.id ?? component.classname;
  const python = await interpreter(common.worker, id);
  const decide = common.decide;
  const link = common.worker?.expose_controller === true ? common.controller?.(id) : undefined;
  const self: PythonComponent = new PythonComponent({
    id,
    classname: component.classname,
    realm: component.realm,
    extra: component.extra,
    python,
    pythonpath: (common.worker?.pythonpath ?? []).map((p) => resolveInCbdir(common.cbdir, p)),
    cwd: common.cbdir,
    env: processEnvironment(common.worker?.env, process.env),
    transport,
    ...(decide === undefined ? {} : { decide: (end: PythonComponentEnd) => decide(self, end) }),
    ...(link === undefined ? {} : { onMessage: (message, reply) => void link(message, reply) }),
    runnerExtras: { controller: link !== undefined, shared: common.worker?.expose_shared === true },
    logger: common.logger,
  });
  return self;
}

/** A Python component of a router worker, on the node's internal connection. */
export function routerPythonComponent(
  options: Common & {
    component: { id?: string | undefined; classname: string; realm: string; extra?: unknown };
    authrole: string;
    router: SessionAcceptor;
    frameCaches: FrameCachePool;
  },
): Promise<PythonComponent> {
  const id = options.component.id ?? options.component.classname;
  return build(options, options.component, {
    kind: 'internal',
    router: options.router,
    frameCaches: options.frameCaches,
    authrole: options.authrole,
    authid: id,
  });
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '';
}

/** The endpoint a container component connects to, with paths resolved and local ports fixed. */
function runnerEndpoint(
  component: ContainerComponentConfig,
  local: TransportAddress | undefined,
  cbdir: string,
): RunnerEndpoint {
  const endpoint = component.transport.endpoint;
  if (endpoint.type === 'unix') {
    return {
      type: 'unix',
      path: resolveInCbdir(cbdir, endpoint.path),
      ...(endpoint.timeout === undefined ? {} : { timeout: endpoint.timeout }),
    };
  }
  const tls = endpoint.tls;
  const host = local !== undefined && !isWildcard(local.host) ? local.host : endpoint.host;
  return {
    type: 'tcp',
    host,
    port: local?.port ?? endpoint.port,
    ...(endpoint.timeout === undefined ? {} : { timeout: endpoint.timeout }),
    ...(tls === undefined
      ? {}
      : {
          tls: {
            hostname: tls.hostname,
            ...(tls.ca_certificates === undefined
              ? {}
              : { ca_certificates: tls.ca_certificates.map((f) => resolveInCbdir(cbdir, f)) }),
            ...(tls.certificate === undefined ? {} : { certificate: resolveInCbdir(cbdir, tls.certificate) }),
            ...(tls.key === undefined ? {} : { key: resolveInCbdir(cbdir, tls.key) }),
          },
        }),
  };
}

/** The WebSocket URL of a container component: its `url` (port fixed when local), else one from its endpoint. */
function websocketUrl(component: ContainerComponentConfig, endpoint: RunnerEndpoint, local: boolean): string {
  const secure = endpoint.type === 'tcp' && endpoint.tls !== undefined;
  const configured = component.transport.url;
  if (configured !== undefined) {
    if (!local || endpoint.type !== 'tcp') return configured;
    const url = new URL(configured);
    url.port = String(endpoint.port);
    return url.toString();
  }
  if (endpoint.type === 'unix') return 'ws://localhost/';
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `${secure ? 'wss' : 'ws'}://${host}:${endpoint.port}/`;
}

/** Where a container's component connects: its configured transport, pointed at the port really bound when local. */
function containerTransport(
  options: { config: NodeConfig; addresses: readonly TransportAddress[]; cbdir: string },
  component: ContainerComponentConfig,
): PythonTransport {
  const { cbdir } = options;
  const target = localTargetOf(options.config, component, (p) => resolveInCbdir(cbdir, p));
  const local =
    target === undefined
      ? undefined
      : options.addresses.find((a) => a.worker === target.worker && a.transport === target.transport);
  const endpoint = runnerEndpoint(component, local, cbdir);
  const { transport } = component;
  const transportOptions = transport.options === undefined ? {} : { options: transport.options };
  const spec: PythonTransport =
    transport.type === 'websocket'
      ? {
          kind: 'websocket',
          url: websocketUrl(component, endpoint, local !== undefined),
          endpoint,
          ...(transport.serializers === undefined ? {} : { serializers: transport.serializers }),
          ...transportOptions,
        }
      : { kind: 'rawsocket', endpoint, serializer: transport.serializer ?? 'json', ...transportOptions };
  return spec;
}

/** A Python component of a container worker, over its configured transport. */
export function containerPythonComponent(
  options: Common & { component: ContainerComponentConfig; config: NodeConfig; addresses: readonly TransportAddress[] },
): Promise<PythonComponent> {
  return build(options, options.component, containerTransport(options, options.component));
}

/**
 * The Python components of a container worker with `expose_shared`, in one process
 * (python-shared-container.ts), so that they share `config.shared`.
 */
export async function sharedContainerPython(options: {
  id: string;
  components: ContainerComponentConfig[];
  config: NodeConfig;
  addresses: readonly TransportAddress[];
  worker: PythonWorkerOptions | undefined;
  cbdir: string;
  controller: ControllerLink | undefined;
  decide: (member: SharedPythonComponent, end: PythonComponentEnd) => boolean;
  logger: Logger;
}): Promise<PythonSharedContainer> {
  const python = await interpreter(options.worker, options.components[0]?.id ?? options.id);
  return new PythonSharedContainer({
    id: options.id,
    components: options.components.map((component) => ({
      id: component.id ?? component.classname,
      classname: component.classname,
      realm: component.realm,
      extra: component.extra,
      transport: containerTransport(options, component),
    })),
    python,
    pythonpath: (options.worker?.pythonpath ?? []).map((p) => resolveInCbdir(options.cbdir, p)),
    cwd: options.cbdir,
    env: processEnvironment(options.worker?.env, process.env),
    controller: options.worker?.expose_controller === true ? options.controller : undefined,
    decide: options.decide,
    logger: options.logger,
  });
}
