/**
 * Crossbar config keys and types that Interchange refuses on purpose, each with the reason and
 * what to use instead (the table "Refused, and what to use instead" of docs/crossbar-migration.md
 * says the same). The schema reports these places as unsupported anyway; this table only gives
 * the message a user can act on. A key that a later version implements disappears from the
 * reports by itself, since the schema then accepts it.
 */

/** A place in the config: keys, `#` for any list index, `*` for any map key. */
type Pattern = readonly string[];

/** One refusal. */
export interface Refusal {
  /** Where the key is, e.g. `['workers', '#', 'realms', '#', 'store', 'type']`. */
  at: Pattern;
  /** For a `type` (or other value), the values refused; without it, the key itself. */
  values?: readonly string[];
  /** The key as users know it, e.g. `endpoint "shared"`. */
  key: string;
  /** Why Interchange does not implement it. */
  why: string;
  /** What to use instead. */
  instead: string;
}

const WORKER = ['workers', '#'];
const TRANSPORT = [...WORKER, 'transports', '#'];
const REALM = [...WORKER, 'realms', '#'];

const CLUSTER =
  "Interchange's cluster over NATS: several node processes (on one machine or many) share the realm, " +
  'each with its own listening port or behind a load balancer; on one machine, several router workers whose ' +
  'transports share a port ("endpoint": {"shared": true}) run as processes of one router';

/** Every refusal, by place. */
export const CROSSBAR_REFUSALS: readonly Refusal[] = [
  {
    at: ['controller', 'fabric'],
    key: 'controller "fabric"',
    why: 'it connects the node to Crossbar\'s management service (Crossbar FX master / "CFC") for remote management',
    instead:
      'manage the node with its config file and the CLI ("interchange start", "stop", "status"); watch it through the nodeinfo path, the WAMP meta API and its logs',
  },
  {
    at: ['controller', 'enable_docker'],
    key: 'controller "enable_docker"',
    why: "it lets Crossbar FX's management service control Docker on the host",
    instead: 'run containers with Docker\'s own tools, or start a process beside the node as a "guest" worker',
  },
  {
    at: ['controller', 'manhole'],
    key: 'controller "manhole"',
    why: "it opens an SSH shell into Crossbar's Python process, for debugging",
    instead: "the WAMP meta API (wamp.session.list, wamp.registration.list, ...) and the node's logs",
  },
  {
    at: ['controller', 'connections'],
    key: 'controller "connections"',
    why: "it opens database connections (PostgreSQL) for Crossbar FX's node controller",
    instead: 'open database connections in your components',
  },
  {
    at: ['controller', 'keyring'],
    key: 'controller "keyring"',
    why: 'it chooses where Crossbar keeps the node key (a file or a hardware security module)',
    instead: 'Interchange keeps the node key in key.priv and key.pub in the node directory ("interchange keys")',
  },
  {
    at: ['controller', 'blockchain'],
    key: 'controller "blockchain"',
    why: "it configures the Ethereum connection of Crossbar FX's XBR data markets",
    instead: 'none in Interchange: XBR data markets are not part of it',
  },
  {
    at: ['controller', 'options', 'enable_parallel_worker_start'],
    key: 'controller "options.enable_parallel_worker_start"',
    why: 'it starts Crossbar worker processes in parallel; Interchange starts its workers inside one process, in config order',
    instead: 'remove the key: workers start in config order',
  },
  {
    at: [...WORKER, 'type'],
    values: ['websocket-testee'],
    key: 'worker type "websocket-testee"',
    why: 'it is a Crossbar worker that only echoes WebSocket messages, for running the Autobahn|Testsuite against Crossbar',
    instead: 'run the Autobahn|Testsuite (wstest) against a "websocket" transport of Interchange',
  },
  {
    at: [...TRANSPORT, 'type'],
    values: ['websocket.testee', 'stream.testee'],
    key: 'transport types "websocket.testee" and "stream.testee"',
    why: 'they are Crossbar transports that only echo, for running test suites against Crossbar',
    instead: 'run the Autobahn|Testsuite (wstest) against a "websocket" transport of Interchange',
  },
  {
    at: [...WORKER, 'type'],
    values: ['proxy'],
    key: 'worker type "proxy"',
    why: 'a Crossbar proxy worker accepts and authenticates client connections and forwards them to router worker processes, to spread one node over several cores',
    instead: CLUSTER,
  },
  {
    at: [...WORKER, 'type'],
    values: ['xbrmm', 'marketmaker'],
    key: 'worker types "xbrmm" and "marketmaker"',
    why: 'they are the XBR data market maker of commercial Crossbar (Crossbar FX)',
    instead: 'none in Interchange: run the market maker on Crossbar FX beside it',
  },
  {
    at: [...WORKER, 'type'],
    values: ['hostmonitor'],
    key: 'worker type "hostmonitor"',
    why: "it reports host metrics to commercial Crossbar's (Crossbar FX) management service",
    instead: "the host's own monitoring (e.g. Prometheus node_exporter)",
  },
  {
    at: [...TRANSPORT, 'type'],
    values: ['flashpolicy'],
    key: 'transport type "flashpolicy"',
    why: 'it serves the socket policy file of Adobe Flash clients, and Flash has been retired from every browser since 2021',
    instead: 'none needed: browsers connect over WebSocket (a "websocket" or "web" transport)',
  },
  {
    at: [...REALM, 'trace'],
    key: 'realm "trace"',
    why: "it records the realm's messages for Crossbar FX's router tracing, read through its management service",
    instead:
      '"interchange start --loglevel trace" logs every message in and out; the WAMP meta API (wamp.session.on_join, wamp.subscription.on_create, ...) for what happens in the realm',
  },
  {
    at: [...REALM, 'store', 'type'],
    values: ['cfxdb'],
    key: 'realm store type "cfxdb"',
    why: 'it is the database store of commercial Crossbar (Crossbar FX)',
    instead: 'store type "lmdb" (retained events and event history on disk, docs/durability.md)',
  },
];

function matches(pattern: Pattern, path: readonly (string | number)[]): boolean {
  if (pattern.length !== path.length) return false;
  return pattern.every((part, i) => {
    const actual = path[i];
    if (part === '#') return typeof actual === 'number';
    if (part === '*') return typeof actual === 'string';
    return part === actual;
  });
}

/** The message of a refusal: the key, that Interchange does not implement it and why, and the alternative. */
export function refusalMessage(refusal: Refusal): string {
  return `${refusal.key} is a Crossbar key that Interchange does not implement: ${refusal.why}. Instead: ${refusal.instead}`;
}

/** The refusal of the key at `path` (holding `value`), if it is one of {@link CROSSBAR_REFUSALS}. */
export function refusalAt(path: readonly (string | number)[], value: unknown): Refusal | undefined {
  return CROSSBAR_REFUSALS.find(
    (refusal) =>
      matches(refusal.at, path) &&
      (refusal.values === undefined || (typeof value === 'string' && refusal.values.includes(value))),
  );
}
