/**
 * What a run measures: targets, scenarios, sizes, and the command line that picks among them.
 */

import { BUN_PACKAGE, BUN_VERSION } from './peers.mjs';

/** The routers compared. `serializers` are those the target speaks. */
export const TARGETS = Object.freeze({
  interchange: {
    label: 'Interchange',
    launcher: 'interchange.mjs',
    serializers: ['json', 'msgpack', 'cbor'],
    ours: true,
  },
  'interchange-baseline': {
    label: 'Interchange, baseline',
    launcher: 'interchange.mjs',
    serializers: ['json', 'msgpack', 'cbor'],
    ours: true,
  },
  'wamp-server': {
    label: 'wamp-server 0.0.9',
    launcher: 'wamp-server.mjs',
    serializers: ['json'],
    peer: 'wamp-server@0.0.9',
  },
  'fox-wamp': { label: 'fox-wamp 0.7.28', launcher: 'fox-wamp.mjs', serializers: ['json'], peer: 'fox-wamp@0.7.28' },
  'ws-relay': {
    label: 'bare ws relay (limit)',
    launcher: 'ws-relay.mjs',
    serializers: ['json', 'msgpack', 'cbor'],
    ours: true,
  },
  // The floor on Node: no library, no validation, no features (issue 17).
  'net-relay': {
    label: 'bare node:net relay (floor)',
    launcher: 'net-relay.mjs',
    serializers: ['json', 'msgpack', 'cbor'],
    ours: true,
  },
  // The same relay on Bun's native (uWebSockets) server; skipped with a line when Bun is missing.
  'bun-relay': {
    label: 'Bun relay (uWebSockets)',
    launcher: 'bun-relay.mjs',
    serializers: ['json', 'msgpack', 'cbor'],
    runtime: 'bun',
    peer: `${BUN_PACKAGE}@${BUN_VERSION}`,
    optional: true,
  },
});

/** Scenarios in the order they run (latency uses the throughput measured before it). */
export const SCENARIOS = Object.freeze([
  'rpc-throughput',
  'rpc-latency',
  'fanout',
  'topics',
  'sessions',
  'durable-publish',
  // MQTT through the broker and its bridge, Interchange only (lib/scenario-mqtt.mjs).
  'mqtt',
  // Not a cell: its own routers (1 process, then 2 joined through nats-server), see scenario-cluster.mjs.
  'cluster',
]);

/** Sizes of a full run. */
const FULL = {
  warmupMs: 1000,
  durationMs: 3000,
  callers: 4,
  // 256 calls in flight per caller: with fewer, a fast target waits on round trips (issue 17).
  inflight: 1024,
  // A fixed rate every target gets, and half of each target's own maximum (the latency goal).
  rates: [10_000, 'half'],
  fanout: [10, 100, 1000, 10_000],
  topics: { topics: 100, subscribers: 100, perSubscriber: 10 },
  // Deliveries kept outstanding in the pub/sub scenarios; each is measured, the best counts.
  windows: [20_000, 100_000],
  // A third window, this many publications deep (512 × subscribers deliveries), where that is
  // deeper than the others: at 1,000 subscribers and more, 100,000 deliveries are only 100
  // publications, and a target that is faster than the round trip idles between them. At most
  // 1,000,000 deliveries (lib/scenario-pubsub.mjs).
  publications: 512,
  // 'max': as many as the router's file-descriptor limit allows.
  sessions: 'max',
  sessionSerializers: ['json'],
  // Acknowledged publications with retention and history: Interchange only, memory against lmdb.
  durable: { publishers: 4, inflight: 256, stores: ['memory', 'lmdb', 'lmdb-nosync'] },
  // One publisher, `fanout` subscribers; `window` deliveries outstanding, and `depth`
  // publications at most (QoS 1 MQTT subscribers hold 32 in flight and 1,000 queued by default:
  // deeper would drop the oldest).
  mqtt: {
    serializers: ['json'],
    routes: ['mqtt-mqtt', 'mqtt-wamp', 'wamp-mqtt', 'wamp-wamp'],
    qos: [0, 1],
    fanout: [1, 100, 1000],
    mappings: ['passthrough', 'native'],
    window: 20_000,
    depth: 512,
  },
  cluster: {
    serializer: 'msgpack',
    callers: 4,
    inflight: 512,
    subscribers: 100,
    window: 20_000,
    latency: { rate: 1000, seconds: 5, serializer: 'msgpack' },
  },
};

/** Sizes of a smoke run: every scenario and target end to end, in seconds, no timing claims. */
const SMOKE = {
  warmupMs: 100,
  durationMs: 300,
  callers: 2,
  inflight: 8,
  rates: [500],
  fanout: [10, 50],
  topics: { topics: 4, subscribers: 8, perSubscriber: 2 },
  windows: [2000],
  sessions: 50,
  sessionSerializers: ['json'],
  durable: { publishers: 1, inflight: 8, stores: ['memory', 'lmdb', 'lmdb-nosync'] },
  // Each of the generator's paths once (MQTT and WAMP publishers and subscribers, QoS 0 and 1,
  // both mappings); WAMP to WAMP is the fanout scenario's.
  mqtt: {
    serializers: ['json'],
    routes: ['mqtt-mqtt', 'mqtt-wamp', 'wamp-mqtt', 'wamp-wamp'],
    qos: [0, 1],
    fanout: [2],
    mappings: ['passthrough', 'native'],
    only: [
      { route: 'mqtt-mqtt', qos: 1, mapping: 'passthrough' },
      { route: 'mqtt-wamp', qos: 0, mapping: 'native' },
      { route: 'wamp-mqtt', qos: 0, mapping: 'passthrough' },
      { route: 'wamp-mqtt', qos: 1, mapping: 'native' },
    ],
    window: 200,
    depth: 16,
  },
  cluster: {
    serializer: 'msgpack',
    callers: 2,
    inflight: 8,
    subscribers: 4,
    window: 200,
    latency: { rate: 200, seconds: 1, serializer: 'msgpack' },
  },
};

export const USAGE = `usage: node bench/run.mjs [options]

  --smoke                 tiny sizes: proves every scenario and target runs (exit 1 on any failure)
  --quick                 shorter windows (0.5 s warm-up, 1.5 s measured)
  --targets a,b           ${Object.keys(TARGETS).join(', ')}
  --scenarios a,b         ${SCENARIOS.join(', ')}
  --serializers a,b       json, msgpack, cbor (each target runs those it speaks)
  --fanout 10,100         subscriber counts of the fanout scenario
  --rates 10000,half      rpc-latency rates in calls/s; 'half' is half the target's measured maximum
  --sessions N|max        sessions to open in the sessions scenario
  --mqtt-routes a,b       mqtt scenario routes: mqtt-mqtt, mqtt-wamp, wamp-mqtt, wamp-wamp
  --mqtt-qos 0,1          mqtt scenario QoS of the MQTT side
  --mqtt-fanout 1,100     mqtt scenario subscriber counts
  --mqtt-mappings a,b     mqtt scenario payload mappings: passthrough, native
  --warmup S --duration S seconds of warm-up and of measurement per cell
  --baseline REF          commit whose files the interchange-baseline target uses (default: before issue 6's second round)
  --baseline-files a,b    files or folders taken from that commit (default: every package's sources, Interchange as it was)
  --baseline-note TEXT    what the baseline is, printed above the before-and-after table
  --profile               run the Node targets with --cpu-prof (profiles in bench/.build/profiles)
  --profile-load          the same for the load agents (is the generator the bottleneck?)
  --interchange-flags F   extra Node/V8 flags for the Interchange routers, space-separated (tuning experiments)
  --note TEXT             a remark printed above the results (such as a noisy machine)
  --out FILE              results file (default bench/results/<date>.json; smoke: bench/.build/smoke.json)
  --no-report             do not rewrite BENCHMARKS.md
`;

/** The mqtt scenario's sizes with the command line's `--mqtt-*` choices (and `--serializers`) applied. */
function mqttSizes(mqtt, flags, list) {
  const numbers = (name, values) => {
    for (const v of values)
      if (!(Number.isInteger(v) && v >= 0)) throw new Error(`${name} must be non-negative integers, got ${v}`);
    return values;
  };
  const picked = (name) => String(flags.get(name)).split(',').map(Number);
  return {
    ...mqtt,
    serializers: flags.has('serializers') ? list('serializers', ['json', 'msgpack', 'cbor']) : mqtt.serializers,
    routes: list('mqtt-routes', mqtt.routes),
    qos: flags.has('mqtt-qos') ? numbers('--mqtt-qos', picked('mqtt-qos')).filter((q) => q <= 1) : mqtt.qos,
    fanout: flags.has('mqtt-fanout')
      ? numbers('--mqtt-fanout', picked('mqtt-fanout')).filter((n) => n > 0)
      : mqtt.fanout,
    mappings: list('mqtt-mappings', mqtt.mappings),
  };
}

/** Parses the command line into run options. */
export function parseOptions(argv) {
  const flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n\n${USAGE}`);
    const name = arg.slice(2);
    if (['smoke', 'quick', 'profile', 'profile-load', 'no-report', 'help'].includes(name)) flags.set(name, true);
    else {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n\n${USAGE}`);
      flags.set(name, value);
    }
  }
  const smoke = flags.has('smoke');
  const sizes = { ...(smoke ? SMOKE : FULL) };
  if (flags.has('quick')) Object.assign(sizes, { warmupMs: 500, durationMs: 1500 });
  const list = (name, all) => {
    if (!flags.has(name)) return [...all];
    const picked = String(flags.get(name)).split(',');
    for (const p of picked)
      if (!all.includes(p)) throw new Error(`unknown ${name} value '${p}' (known: ${all.join(', ')})`);
    return picked;
  };
  if (flags.has('warmup')) sizes.warmupMs = Number(flags.get('warmup')) * 1000;
  if (flags.has('duration')) sizes.durationMs = Number(flags.get('duration')) * 1000;
  if (flags.has('fanout')) sizes.fanout = String(flags.get('fanout')).split(',').map(Number);
  if (flags.has('rates'))
    sizes.rates = String(flags.get('rates'))
      .split(',')
      .map((r) => (r === 'half' ? r : Number(r)));
  if (flags.has('sessions')) sizes.sessions = flags.get('sessions') === 'max' ? 'max' : Number(flags.get('sessions'));
  const positive = (what, values) => {
    for (const v of values)
      if (!(Number.isInteger(v) && v > 0)) throw new Error(`${what} must be positive integers, got ${v}`);
  };
  positive('--fanout', sizes.fanout);
  positive(
    '--rates',
    sizes.rates.filter((r) => r !== 'half'),
  );
  if (sizes.sessions !== 'max') positive('--sessions', [sizes.sessions]);
  sizes.mqtt = mqttSizes(sizes.mqtt, flags, list);
  if (!(sizes.warmupMs >= 0 && sizes.durationMs > 0))
    throw new Error('--warmup must be >= 0 and --duration > 0 seconds');
  return {
    help: flags.has('help'),
    smoke,
    profile: flags.has('profile'),
    profileLoad: flags.has('profile-load'),
    interchangeFlags: flags.has('interchange-flags')
      ? String(flags.get('interchange-flags')).split(' ').filter(Boolean)
      : [],
    report: !smoke && !flags.has('no-report'),
    targets: list('targets', Object.keys(TARGETS)),
    scenarios: list('scenarios', SCENARIOS),
    serializers: list('serializers', ['json', 'msgpack', 'cbor']),
    baseline: flags.get('baseline'),
    baselineFiles: flags.has('baseline-files') ? String(flags.get('baseline-files')).split(',') : undefined,
    baselineNote: flags.get('baseline-note'),
    out: flags.get('out'),
    note: flags.get('note'),
    sizes,
  };
}
