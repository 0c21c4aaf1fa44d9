/**
 * The "MQTT" section of BENCHMARKS.md, from the mqtt cells of the results (lib/scenario-mqtt.mjs):
 * what issue 15 asks for first (QoS 0 publications per second from MQTT into WAMP and back,
 * beside WAMP to WAMP in the same harness), Interchange against `interchange-baseline` where a
 * run had both, then every cell of `interchange`, each from the latest run that measured it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { int, pct, table, us } from './report-format.mjs';

const ROUTE_LABEL = {
  'mqtt-mqtt': 'MQTT → MQTT',
  'mqtt-wamp': 'MQTT → WAMP',
  'wamp-mqtt': 'WAMP → MQTT',
  'wamp-wamp': 'WAMP → WAMP',
};
const ROUTE_ORDER = Object.keys(ROUTE_LABEL);
const MAPPING_ORDER = ['passthrough', 'native'];

const failed = (r) => `failed: ${r.error.replace(/\|/g, '/').slice(0, 80)}`;
/** Deliveries per second of router CPU: the steadier figure when the router gets part of its core. */
const perCpu = (r) => (r.routerCpu > 0 ? r.rate / r.routerCpu : undefined);

const key = (r) => JSON.stringify([r.target, r.serializer, r.params]);

/**
 * The runs the mqtt cells come from, oldest first: each file's meta and the `interchange` cells
 * it is the latest source of (later files win per cell, as in report.mjs).
 */
function runsOf(files) {
  const source = new Map();
  const metas = new Map();
  for (const file of files) {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    const cells = data.results.filter((r) => r.scenario === 'mqtt');
    if (cells.length === 0) continue;
    metas.set(file, data.meta);
    for (const r of cells) source.set(key(r), file);
  }
  return [...metas].map(([file, meta]) => ({
    file,
    meta,
    cells: [...source].filter(([k, f]) => f === file && JSON.parse(k)[0] === 'interchange').length,
  }));
}

function runLine(meta) {
  return `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, Linux ${meta.kernel}; commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.started.slice(0, 16).replace('T', ' ')} UTC; ${meta.sizes.warmupMs / 1000} s warm-up, ${meta.sizes.durationMs / 1000} s measured per phase`;
}

/**
 * Interchange against `interchange-baseline`, cell by cell, where a run measured both: deliveries
 * per router CPU-second (the steadier figure on a shared machine) and per second.
 */
function beforeAfter(all, files) {
  const rows = [];
  let meta;
  for (const after of all.filter((r) => r.target === 'interchange' && r.ok)) {
    const before = all.find((r) => r.ok && key(r) === key({ ...after, target: 'interchange-baseline' }));
    if (before === undefined || after.params.route === 'wamp-wamp') continue;
    const p = after.params;
    const x = (a, b) => (a === undefined || b === undefined || b === 0 ? '' : `${(a / b).toFixed(1)}×`);
    rows.push([
      ROUTE_LABEL[p.route] ?? p.route,
      p.mapping,
      String(p.qos),
      int(p.subscribers),
      int(perCpu(before)),
      int(perCpu(after)),
      x(perCpu(after), perCpu(before)),
      int(before.rate),
      int(after.rate),
      x(after.rate, before.rate),
    ]);
  }
  if (rows.length === 0) return '';
  for (const file of files) {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    if (data.results.some((r) => r.scenario === 'mqtt' && r.target === 'interchange-baseline')) meta = data.meta;
  }
  const files_ = meta?.baselineFiles?.map((f) => `\`${f.replace(/^packages\//, '')}\``).join(', ') ?? '';
  return `### Before and after (same run, same core)

"Before" is \`interchange-baseline\`: the tree of the run with ${files_} as in commit
\`${String(meta?.baselineRef).slice(0, 10)}\`${meta?.baselineNote ? ` (${meta.baselineNote})` : ''}; "after" is the tree of the run.
Both ran one cell after the other on the same core (${meta === undefined ? '' : runLine(meta)}).

${table(
  [
    'route',
    'mapping',
    'QoS',
    'subscribers',
    'deliveries per router CPU-second: before',
    'after',
    'after / before',
    'deliveries/s: before',
    'after',
    'after / before',
  ],
  rows,
)}`;
}

function order(a, b) {
  const p = a.params;
  const q = b.params;
  return (
    MAPPING_ORDER.indexOf(p.mapping) - MAPPING_ORDER.indexOf(q.mapping) ||
    ROUTE_ORDER.indexOf(p.route) - ROUTE_ORDER.indexOf(q.route) ||
    p.qos - q.qos ||
    p.subscribers - q.subscribers ||
    a.serializer.localeCompare(b.serializer)
  );
}

/** Issue 15's comparison: QoS 0, passthrough, each fan-out, each route beside WAMP to WAMP. */
function headline(cells) {
  const pick = (route, subscribers) =>
    cells.find(
      (r) =>
        r.ok &&
        r.serializer === 'json' &&
        r.params.route === route &&
        r.params.qos === 0 &&
        r.params.mapping === 'passthrough' &&
        r.params.subscribers === subscribers,
    );
  const fanouts = [...new Set(cells.map((r) => r.params.subscribers))].sort((a, b) => a - b);
  const rows = [];
  for (const subscribers of fanouts) {
    const wamp = pick('wamp-wamp', subscribers);
    for (const route of ROUTE_ORDER) {
      const r = pick(route, subscribers);
      if (r === undefined) continue;
      const ratio = (x, y) => (x === undefined || y === undefined || y === 0 ? '' : `${(x / y).toFixed(2)}`);
      rows.push([
        `${ROUTE_LABEL[route]}, ${int(subscribers)} subscriber${subscribers === 1 ? '' : 's'}`,
        int(r.publishRate),
        int(r.rate),
        route === 'wamp-wamp' ? '1.00' : ratio(r.rate, wamp?.rate),
        route === 'wamp-wamp' ? '1.00' : ratio(perCpu(r), wamp === undefined ? undefined : perCpu(wamp)),
      ]);
    }
  }
  return table(
    [
      'QoS 0, passthrough, wamp.2.json',
      'publications/s',
      'deliveries/s',
      '/ WAMP → WAMP',
      'per router CPU, / WAMP → WAMP',
    ],
    rows,
  );
}

/**
 * What the headline shows, in one sentence: how much more router CPU a delivery to an MQTT
 * subscriber takes than one to a WAMP subscriber, at fan-out (QoS 0, passthrough, json).
 */
function reading(cells) {
  // Per router CPU-second, each cell of `route` (QoS 0, passthrough) against WAMP to WAMP's.
  const against = (route, minSubscribers) => {
    const ratios = [];
    for (const r of cells) {
      const p = r.params;
      if (!r.ok || p.route !== route || p.qos !== 0 || p.mapping !== 'passthrough' || p.subscribers < minSubscribers)
        continue;
      const wamp = cells.find(
        (w) =>
          w.ok &&
          w.serializer === r.serializer &&
          w.params.route === 'wamp-wamp' &&
          w.params.mapping === 'passthrough' &&
          w.params.subscribers === p.subscribers,
      );
      const mine = perCpu(r);
      const theirs = wamp === undefined ? undefined : perCpu(wamp);
      if (mine !== undefined && theirs !== undefined && mine > 0) ratios.push(mine / theirs);
    }
    return ratios;
  };
  const toMqtt = [...against('mqtt-mqtt', 100), ...against('wamp-mqtt', 100)];
  const fromMqtt = against('mqtt-wamp', 1);
  const parts = [];
  if (toMqtt.length > 0)
    parts.push(
      `At 100 and 1,000 subscribers a delivery to an MQTT subscriber took ${(1 / Math.max(...toMqtt)).toFixed(1)} to ${(1 / Math.min(...toMqtt)).toFixed(1)} times the router CPU of one to a WAMP subscriber (QoS 0, passthrough).`,
    );
  if (fromMqtt.length > 0)
    parts.push(
      `An MQTT publisher into WAMP subscribers kept ${Math.min(...fromMqtt).toFixed(2)} to ${Math.max(...fromMqtt).toFixed(2)} of WAMP to WAMP's deliveries per router CPU-second.`,
    );
  return parts.length === 0 ? '' : `\n${parts.join(' ')}\n`;
}

function cellTable(cells) {
  const rows = cells.map((r) => {
    const p = r.params;
    const head = [
      ROUTE_LABEL[p.route] ?? p.route,
      p.mapping,
      p.route === 'wamp-wamp' ? '–' : String(p.qos),
      int(p.subscribers),
    ];
    if (!r.ok) return [...head, failed(r), '', '', '', '', '', '', ''];
    return [
      ...head,
      int(r.publishRate),
      int(r.rate),
      int(perCpu(r)),
      `${int(r.latencyRate)}/s${r.saturated ? ' (saturated)' : ''}`,
      us(r.latencyUs.p50),
      us(r.latencyUs.p99),
      pct(r.routerCpu),
      pct(r.loadCpu),
    ];
  });
  return table(
    [
      'route',
      'mapping',
      'QoS',
      'subscribers',
      'publications/s',
      'deliveries/s',
      'deliveries per router CPU-second',
      'latency measured at',
      'p50',
      'p99',
      'router CPU',
      'generator CPU',
    ],
    rows,
  );
}

/** The generator's cost per message against mqtt-packet's, from bench/mqtt-generator-cost.mjs if it was run. */
function generatorCost(dir) {
  const file = join(dir, 'mqtt-generator-cost.json');
  if (!existsSync(file)) return '';
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const ns = (x) => `${Math.round(x).toLocaleString('en-US')} ns`;
  const rows = Object.entries(data.qos).map(([qos, r]) => [
    `QoS ${qos}`,
    ns(r.receive.generator),
    ns(r.receive.codec),
    ns(r.send.generator),
    ns(r.send.codec),
  ]);
  return `What it pays per message, against mqtt-packet (what MQTT.js parses and writes with, so
a floor of an MQTT.js client's cost), in one process without sockets
(\`node bench/mqtt-generator-cost.mjs\`, Node ${data.node}):

${table(['', 'receive (QoS 1: and PUBACK): generator', 'receive: mqtt-packet parser (QoS 1: and generate PUBACK)', 'send PUBLISH: generator (copy + patch ID)', 'send PUBLISH: mqtt-packet generate'], rows)}`;
}

/** The section, or '' when the results hold no mqtt cells. */
export function mqttSection(results, files, dir) {
  const all = results.filter((r) => r.scenario === 'mqtt');
  const cells = all.filter((r) => r.target === 'interchange').sort(order);
  if (cells.length === 0) return '';
  const runs = runsOf(files);
  const meta = runs.at(-1)?.meta;
  const loads = cells.map((r) => r.loadAverage).filter((x) => x !== undefined);
  const serializers = [...new Set(cells.map((r) => r.serializer))].join(', ');
  const { window, depth } = cells[0].params;
  const when =
    runs.length === 0
      ? ''
      : runs.length === 1
        ? `\n\n**Run:** ${runLine(meta)}.`
        : `\n\n**Runs:** ${runs.map((run) => `${runLine(run.meta)} (${run.cells} of the cells below)`).join('; ')}. Each cell is from the latest run that measured it.`;
  const load =
    loads.length === 0
      ? ''
      : ` The machine's load average was ${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} during these cells, on ${meta?.cores ?? 2} cores: other jobs shared the router's core, so rates vary between runs by tens of percent, and deliveries per router CPU-second is the steadier figure.`;
  return `## MQTT through the bridge

\`node bench/run.mjs --scenarios mqtt --targets interchange\`: cells like the others, a fresh
node per cell (its MQTT transport beside the WebSocket one) pinned to core 0, the generator on
core 1. One publisher, N subscribers of one topic, MQTT or WAMP on either side; 64-octet MQTT
payloads. QoS is the MQTT side's (a QoS 1 subscriber's messages wait for its PUBACK, at most 32
in flight; an MQTT QoS 1 publisher's PUBACK waits for the realm); a WAMP publisher publishes
with \`acknowledge\` at QoS 1 and without at QoS 0, since a subscriber gets the lower of the
publication's and its subscription's QoS (docs/mqtt.md). \`passthrough\` carries the payload as it is (WAMP publishers in payload
passthru mode), \`native\` maps it to and from \`{"args": [...]}\` in JSON. WAMP side: ${serializers}.

Throughput: closed loop, at most ${int(window)} deliveries outstanding and ${int(depth)} publications
(at least 2) not yet delivered to every subscriber; publications/s counts those that reached the
first subscriber. Latency: then open loop at half that rate (at least 10/s), from each
publication's due time to its arrival at the first subscriber (matched by order: one publisher,
one topic, delivered in order); "saturated" when the node fell behind.${when}${load}

The MQTT generator (bench/lib/mqtt-raw-client.mjs) speaks MQTT 3.1.1 over raw sockets: control
packets through \`mqtt-packet\`, PUBLISH packets pre-built, received packets split by their fixed
header, QoS 1 PUBLISHes acknowledged from their two identifier octets. ${generatorCost(dir)}
Issue 15 sets no number for MQTT; it asks for QoS 0 publications into WAMP subscribers and back
beside Interchange's WAMP numbers:

${headline(cells)}${reading(cells)}
${beforeAfter(all, files)}
Every cell:

${cellTable(cells)}
`;
}
