/**
 * Walks over the parts of a validated config that several places need: the path services of
 * each transport (web paths, and the `web` and `websocket` parts of universal transports), the
 * services that accept anonymous sessions, and which listener of this node a container
 * component's connecting transport points at.
 */
import type {
  ContainerComponentConfig,
  NodeConfig,
  RawSocketConfig,
  RouterWorkerConfig,
  TransportConfig,
  WebPathConfig,
} from './config-schema.js';

/** A key path into the config, e.g. `['transports', 1, 'paths', 'ws']`. */
export type KeyPath = (string | number)[];

/** One path service of a transport, with its key path inside the worker. */
export interface PathEntry {
  path: KeyPath;
  /** The path key: `/` or one segment. */
  key: string;
  config: WebPathConfig;
}

/** One path service at any depth of a `paths` map, with the URL path it is mounted at. */
export interface MountedPathEntry extends PathEntry {
  /** `/` for the root, `/ws`, `/app/ws` for a service of a nested `path`. */
  mount: string;
}

/** The services of a `paths` map and, through nested `path` services, of theirs, depth first. */
export function mountedPathsOf(
  paths: Readonly<Record<string, WebPathConfig>>,
  base: KeyPath = [],
  prefix = '',
): MountedPathEntry[] {
  const out: MountedPathEntry[] = [];
  for (const [key, config] of Object.entries(paths)) {
    const mount = key === '/' ? prefix || '/' : `${prefix}/${key}`;
    out.push({ path: [...base, key], key, config, mount });
    if (config.type === 'path')
      out.push(...mountedPathsOf(config.paths, [...base, key, 'paths'], key === '/' ? prefix : mount));
  }
  return out;
}

/** The web path services of a transport at any depth (nested `path` services included). */
export function allWebPathsOf(transport: TransportConfig, t: number): MountedPathEntry[] {
  const paths =
    transport.type === 'web' ? transport.paths : transport.type === 'universal' ? transport.web?.paths : undefined;
  if (paths === undefined) return [];
  return mountedPathsOf(
    paths,
    transport.type === 'web' ? ['transports', t, 'paths'] : ['transports', t, 'web', 'paths'],
  );
}

/** The web path services of a transport (`paths` of web, `web.paths` of universal). */
export function webPathsOf(transport: TransportConfig, t: number): PathEntry[] {
  const paths =
    transport.type === 'web' ? transport.paths : transport.type === 'universal' ? transport.web?.paths : undefined;
  if (paths === undefined) return [];
  const base: KeyPath = transport.type === 'web' ? ['transports', t, 'paths'] : ['transports', t, 'web', 'paths'];
  return Object.entries(paths).map(([key, config]) => ({ path: [...base, key], key, config }));
}

/** A service that lets clients open sessions, and the role anonymous sessions get there. */
export interface SessionServiceEntry {
  path: KeyPath;
  kind: 'websocket' | 'rawsocket' | 'longpoll';
  /** The configured anonymous role, or undefined for the default `anonymous`. */
  anonymousRole: string | undefined;
}

/** Every service of a worker where clients open sessions. */
export function sessionServicesOf(worker: RouterWorkerConfig): SessionServiceEntry[] {
  const out: SessionServiceEntry[] = [];
  worker.transports.forEach((transport, t) => {
    if (transport.type === 'websocket') {
      out.push({ path: ['transports', t], kind: 'websocket', anonymousRole: transport.auth?.anonymous?.role });
    }
    if (transport.type === 'rawsocket') {
      out.push({ path: ['transports', t], kind: 'rawsocket', anonymousRole: transport.auth?.anonymous?.role });
    }
    if (transport.type === 'universal') {
      if (transport.rawsocket !== undefined) {
        out.push({
          path: ['transports', t, 'rawsocket'],
          kind: 'rawsocket',
          anonymousRole: transport.rawsocket.auth?.anonymous?.role,
        });
      }
      for (const [key, service] of Object.entries(transport.websocket ?? {})) {
        out.push({
          path: ['transports', t, 'websocket', key],
          kind: 'websocket',
          anonymousRole: service.auth?.anonymous?.role,
        });
      }
    }
    for (const entry of allWebPathsOf(transport, t)) {
      if (entry.config.type === 'websocket' || entry.config.type === 'longpoll') {
        out.push({ path: entry.path, kind: entry.config.type, anonymousRole: entry.config.auth?.anonymous?.role });
      }
    }
  });
  return out;
}

/** The RawSocket settings of a transport, if it speaks RawSocket. */
export function rawSocketConfigOf(transport: TransportConfig): RawSocketConfig | undefined {
  if (transport.type === 'rawsocket') return transport;
  if (transport.type === 'universal') return transport.rawsocket;
  return undefined;
}

/** The default role of anonymous sessions (Crossbar's). */
export const DEFAULT_ANONYMOUS_ROLE = 'anonymous';

/** A listener of this node that a container component connects to. */
export interface LocalTarget {
  /** Index of the router worker. */
  worker: number;
  /** Index of the transport in that worker. */
  transport: number;
  /** The role the listener gives anonymous sessions. */
  authrole: string;
}

function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '0.0.0.0' || host === '::' || /^127\./.test(host);
}

/** The WebSocket path a component's `url` names, e.g. `/ws` of `ws://127.0.0.1:7000/ws`. */
function urlPath(url: string | undefined): string {
  if (url === undefined) return '/';
  try {
    return new URL(url).pathname || '/';
  } catch {
    return '/';
  }
}

/** The anonymous role of the service on `transport` that serves the component's transport. */
function roleAt(transport: TransportConfig, t: number, component: ContainerComponentConfig): string | undefined {
  const wanted = component.transport.type;
  if (wanted === 'rawsocket') {
    const raw = rawSocketConfigOf(transport);
    return raw === undefined ? undefined : (raw.auth?.anonymous?.role ?? DEFAULT_ANONYMOUS_ROLE);
  }
  if (transport.type === 'websocket') return transport.auth?.anonymous?.role ?? DEFAULT_ANONYMOUS_ROLE;
  const segment =
    urlPath(component.transport.url)
      .split('/')
      .filter((s) => s !== '')[0] ?? '/';
  const universal = transport.type === 'universal' ? transport.websocket?.[segment] : undefined;
  if (universal !== undefined) return universal.auth?.anonymous?.role ?? DEFAULT_ANONYMOUS_ROLE;
  const path = webPathsOf(transport, t).find((entry) => entry.key === segment && entry.config.type === 'websocket');
  if (path?.config.type === 'websocket') return path.config.auth?.anonymous?.role ?? DEFAULT_ANONYMOUS_ROLE;
  return undefined;
}

/**
 * The router worker and listener of this node a container component's transport points at: a
 * TCP endpoint on a local host with a port some transport is configured with (before any listen
 * override), or a Unix socket path some transport listens on. `undefined` when the component
 * connects elsewhere.
 */
export function localTargetOf(
  config: NodeConfig,
  component: ContainerComponentConfig,
  resolvePath: (path: string) => string,
): LocalTarget | undefined {
  const endpoint = component.transport.endpoint;
  for (const [w, worker] of config.workers.entries()) {
    if (worker.type !== 'router') continue;
    for (const [t, transport] of worker.transports.entries()) {
      const own = transport.endpoint;
      const same =
        endpoint.type === 'tcp'
          ? own.type === 'tcp' && own.port === endpoint.port && isLocalHost(endpoint.host)
          : own.type === 'unix' && resolvePath(own.path) === resolvePath(endpoint.path);
      if (!same) continue;
      const authrole = roleAt(transport, t, component);
      if (authrole !== undefined) return { worker: w, transport: t, authrole };
    }
  }
  return undefined;
}
