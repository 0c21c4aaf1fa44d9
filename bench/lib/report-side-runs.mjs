/**
 * The BENCHMARKS.md sections that come from the other bench scripts' results in bench/results
 * (latency-floor.mjs, floor.mjs, counting-cost.mjs, generator-cost.mjs, profiles, the cluster
 * scenario, the client size report), each empty or a hint when its script was not run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { int, label, pct, table, us } from './report-format.mjs';

/** Interchange's and the relay's summary at half Interchange's max, from bench/latency-floor.mjs. */
export function floorAtHalf(dir) {
  const file = join(dir, 'latency-floor.json');
  if (!existsSync(file)) return undefined;
  const { meta, summary } = JSON.parse(readFileSync(file, 'utf8'));
  const at = (target) => summary.find((s) => s.half && s.target === target);
  const interchange = at('interchange');
  const name = meta.floor ?? 'ws-relay';
  const relay = at(name);
  return interchange === undefined || relay === undefined ? undefined : { interchange, relay, name };
}

/** The table of bench/generator-cost.mjs, if it was run. */
export function generatorCost(dir) {
  const file = join(dir, 'generator-cost.json');
  if (!existsSync(file)) return '_Run `node bench/generator-cost.mjs` for this table._\n';
  const data = JSON.parse(readFileSync(file, 'utf8'));
  const rows = Object.entries(data.serializers).map(([name, r]) => [
    name,
    `${Math.round(r.receive.generator)} ns`,
    `${Math.round(r.receive.ws)} ns`,
    `${Math.round(r.send.generator)} ns`,
    `${Math.round(r.send.ws)} ns`,
  ]);
  return `Measured by \`node bench/generator-cost.mjs\` (Node ${data.node}, ${data.messages.toLocaleString('en-US')} messages, no sockets: CPU of framing and parsing only):

${table(['serializer', 'receive: generator', 'receive: ws Receiver', 'send: generator (copy + patch ID)', 'send: encode + ws Sender.frame'], rows)}`;
}

/**
 * Interchange and the bare relay at the same rates, several rounds each, from
 * bench/latency-floor.mjs, if it was run: the median p99 of the rounds, and their spread.
 */
export function latencyFloor(dir) {
  const file = join(dir, 'latency-floor.json');
  if (!existsSync(file)) return '';
  const { meta, summary } = JSON.parse(readFileSync(file, 'utf8'));
  const floor = meta.floor ?? 'ws-relay';
  const max = meta.floorMax ?? meta.interchangeMax ?? 0;
  const rows = summary.map((s) => [
    label(s.target),
    `${int(s.rate)}${s.half ? (meta.floor === undefined ? ' (half Interchange max)' : ' (half the floor max)') : ''}`,
    us(s.p50),
    `**${us(s.p99)}**`,
    `${us(s.p99Min)} to ${us(s.p99Max)}`,
    us(s.p999),
    s.p99OverFloor === undefined ? '' : `${s.p99OverFloor.toFixed(2)}×`,
    s.saturatedRounds === undefined ? '' : `${s.saturatedRounds} of ${s.rounds}`,
    pct(s.routerCpu),
  ]);
  return `### Against the floor: Interchange and ${label(floor)} at the same rates

One latency cell is one sample of a noisy tail. \`node bench/latency-floor.mjs\` runs Interchange
and ${label(floor)} at the same open-loop rates, ${meta.rounds} rounds, interleaved (who goes
first alternates), and keeps the median of each (${meta.serializer}; ${meta.cpu}, Node ${meta.node},
commit ${meta.commit}; the floor's maximum in that run: ${int(max)} calls/s${meta.loadAverage === undefined ? '' : `; load average ${meta.loadAverage.toFixed(1)} when it ended`}).
The floor does no routing work beyond matching: its tail at a rate is what the machine, Node.js
and the generator add at that rate. Issue 17's goal: p99 within 1.5× of the floor's.${meta.note ? `\n\n> ${meta.note}` : ''}

${table(['target', 'calls/s', 'p50 (median)', 'p99 (median)', 'p99 range', 'p99.9 (median)', 'p99 / floor p99', 'rounds saturated', 'router CPU'], rows)}
`;
}

/**
 * Interchange against the node:net floor and the Bun (uWebSockets) relay, from
 * bench/results/floor.json (bench/floor.mjs), if it was run: best of interleaved rounds and the
 * ratios issue 17 sets goals for.
 */
export function floorSection(dir) {
  const file = join(dir, 'floor.json');
  if (!existsSync(file)) return '';
  const { meta, summary } = JSON.parse(readFileSync(file, 'utf8'));
  /** Interchange's `field` over `target`'s in a row, blank when either is missing. */
  const over = (row, target, field) => {
    const i = row.targets.interchange;
    const f = row.targets[target];
    return i === undefined || f === undefined ? '' : (i[field] / f[field]).toFixed(2);
  };
  const ratio = (row, target) => over(row, target, 'best');
  const cpuRatio = (row, target) => over(row, target, 'perCpu');
  const rows = summary.map((row) => [
    row.scenario === 'fanout'
      ? `deliveries/s, ${int(row.subscribers)} subscribers`
      : `routed calls/s, ${row.serializer}`,
    ...meta.targets.map((t) => (row.targets[t] === undefined ? '' : int(row.targets[t].best))),
    ratio(row, 'net-relay'),
    cpuRatio(row, 'net-relay'),
    meta.targets.includes('bun-relay') ? ratio(row, 'bun-relay') : '',
  ]);
  const goal = (row) => (row.scenario === 'fanout' ? 0.9 : 0.8);
  const below = summary
    .filter((row) => {
      const r = Number(ratio(row, 'net-relay'));
      return r > 0 && r < goal(row);
    })
    .map((row) => `${row.cell} (${ratio(row, 'net-relay')} of the floor, goal ${goal(row)})`);
  const belowBun = summary
    .filter(
      (row) =>
        row.scenario === 'fanout' && Number(ratio(row, 'bun-relay')) > 0 && Number(ratio(row, 'bun-relay')) < 0.8,
    )
    .map((row) => `${row.cell} (${ratio(row, 'bun-relay')} of Bun, goal 0.8)`);
  return `## Against the floor (issue 17)

\`node bench/floor.mjs\`: Interchange, the bare \`node:net\` relay (bench/targets/net-relay.mjs:
hand-parsed handshake, frames unmasked in place, each outgoing frame built once, one buffer per
socket per tick, no validation, no features) and the same relay on Bun's native uWebSockets
server (bench/targets/bun-relay.mjs), in ${meta.rounds} interleaved rounds, the best round of each
(${meta.cpu}, Node ${meta.node}, commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.sizes.warmupMs / 1000} s warm-up, ${meta.sizes.durationMs / 1000} s measured per cell; 256 calls in flight per caller, pub/sub windows up to 512 publications deep${meta.loadAverage === undefined ? '' : `; load average ${meta.loadAverage.toFixed(1)} when it ended`}).
"per CPU" divides each rate by the router's CPU use in the cell: on a shared machine it is the
steadier figure.${meta.note ? `\n\n> ${meta.note}` : ''}

${table(['wamp.2.json unless named', ...meta.targets.map(label), 'Interchange / node:net', 'per CPU', 'Interchange / Bun'], rows)}
Goals (issue 17): routed calls at least 0.8 of the node:net floor; deliveries at least 0.9 of it
and at least 0.8 of the Bun relay. Below them in this run: ${[...below, ...belowBun].join('; ') || 'none'}.

`;
}

/**
 * Table rows of a router-core-ab.mjs run: scenario, A, B, B/A, its spread over the processes, and
 * in how many processes (`processesCounted`) out of all.
 */
function abRows(results, processesCounted) {
  const signed = (ratio) => {
    const c = (ratio - 1) * 100;
    return `${c >= 0 ? '+' : ''}${c.toFixed(1)} %`;
  };
  return results.map((r) => [
    `${r.scenario} (${r.unit})`,
    r.a.toFixed(1),
    r.b.toFixed(1),
    signed(r.ratio),
    `${signed(r.ratios[0])} to ${signed(r.ratios.at(-1))}`,
    `${processesCounted(r)} of ${r.processes}`,
  ]);
}

/**
 * The router core and the WebSocket transport's per-receiver path of two builds, CPU time per call
 * or delivery, from bench/results/router-core-ab.json (bench/lib/router-core-ab.mjs --out), if any.
 */
export function routerCoreAB(dir) {
  const file = join(dir, 'router-core-ab.json');
  if (!existsSync(file)) return '';
  const { meta, results } = JSON.parse(readFileSync(file, 'utf8'));
  const rows = abRows(results, (r) => r.processesBFaster);
  const files = (meta.baselineFiles ?? []).map((f) => `\`${f}\``).join(' and ');
  return `### The hot path, before and after, CPU per call and per delivery

\`node bench/lib/router-core-ab.mjs\`: two builds in one process, in alternating batches, the CPU
time (\`process.cpuUsage\`, GC included) per routed call or per delivery: "before" is ${files} of
commit \`${String(meta.baselineRef).slice(0, 10)}\`, "after" the tree of commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}. \`rpc-window\` is the router core
(256 calls in flight, sessions on in-memory peers), \`fanout\` the router core per delivery to 100
subscribers, \`fanout-ws\` the same through \`WebSocketConnection\` over fake sockets (json, 8
publications per tick: router, frame cache, outbound accounting, queue, the tick's joined write;
no syscalls). Each scenario ran in ${meta.processes} fresh processes of ${meta.rounds} rounds (V8 compiles each process
differently): the medians of the processes' medians, the median of their paired ratios after/before,
its spread over the processes, and in how many processes "after" was faster (${meta.cpu}, Node ${meta.node}; load average ${meta.loadAverage?.toFixed(1) ?? '?'} at the end).${meta.note ? `\n\n> ${meta.note}` : ''}

${table(['scenario', 'before', 'after', 'after / before', 'per process', 'after faster in'], rows)}
`;
}

/** What the metrics' counters cost, from bench/results/counting-cost.json, if any. */
export function countingCost(dir) {
  const file = join(dir, 'counting-cost.json');
  if (!existsSync(file)) return '';
  const { meta, summary, micro = [] } = JSON.parse(readFileSync(file, 'utf8'));
  const change = (before, after) => {
    const c = Math.round((100 * after) / before - 100);
    return `${c >= 0 ? '+' : ''}${c} %`;
  };
  const rows = summary.map((s) => [
    `${s.cell} (${s.unit})`,
    int(s.before.rate),
    int(s.after.rate),
    change(s.before.rate, s.after.rate),
    int(s.before.perCpu),
    int(s.after.perCpu),
    change(s.before.perCpu, s.after.perCpu),
  ]);
  return `### The cost of counting (metrics)

The metrics path reads counters the router keeps as it routes: every message in and out by type,
call durations, publication fan-out (packages/router/src/router-stats.ts), and each socket's byte
counts. \`node bench/counting-cost.mjs\` runs Interchange without them ("before":
${meta.baselineFiles.map((f) => `\`${f}\``).join(' and ')} of commit \`${String(meta.baselineRef).slice(0, 10)}\`) and with them ("after"), same
cells, ${meta.rounds} rounds interleaved (who goes first alternates), and keeps the medians
(${meta.cpu}, Node ${meta.node}, commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; windows ${meta.sizes.warmupMs / 1000} s warm-up, ${meta.sizes.durationMs / 1000} s measured;
load average ${meta.loadAverage?.toFixed(1) ?? '?'} on the machine at the end of the run). "Per router CPU-second" divides the rate by the
router's CPU share, which tells what a message costs the router even when the machine gives it
less than a core.

${table(['cell', 'before', 'after', 'change', 'before, per router CPU-second', 'after, per router CPU-second', 'change'], rows)}${microTable(meta, micro, change)}${countingAlone(dir)}
`;
}

/**
 * Counting alone, from bench/results/counting-ab.json (`bench/lib/router-core-ab.mjs
 * --counting-off --out ...`): the tree against itself with the counters' bodies emptied.
 */
function countingAlone(dir) {
  const file = join(dir, 'counting-ab.json');
  if (!existsSync(file)) return '';
  const { meta, results } = JSON.parse(readFileSync(file, 'utf8'));
  const rows = abRows(results, (r) => r.processes - r.processesBFaster);
  return `

Counting alone: the "before" above is an older commit, so it also lacks everything added since
(hardening bounds, cluster hooks, passthru checks). \`node bench/lib/router-core-ab.mjs
--counting-off\` isolates the counters: the same tree built twice in one process, once with the
bodies of \`countReceived\`, \`countSent\`, \`now\` and \`BucketCounts.observe\` emptied
(bench/lib/counting-off.mjs), in alternating batches, CPU time per unit (the scenarios of "The hot
path, before and after" below; ${meta.processes} processes of ${meta.rounds} rounds; ${meta.cpu}, Node ${meta.node}, commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''};
load average ${meta.loadAverage?.toFixed(1) ?? '?'} at the end).

${table(['scenario', 'without counting', 'with counting', 'with / without', 'per process', 'slower with counting in'], rows)}${countingPerPublication(dir)}`;
}

/**
 * Counting a publication's deliveries once per publication in the broker instead of once per
 * receiver: `--counting-off` before and after the change (counting-ab-per-receiver.json,
 * counting-ab-per-publication.json), and the change itself (counting-once-per-publication-ab.json).
 */
function countingPerPublication(dir) {
  const files = [
    'counting-ab-per-receiver.json',
    'counting-ab-per-publication.json',
    'counting-once-per-publication-ab.json',
  ];
  if (!files.every((f) => existsSync(join(dir, f)))) return '';
  const [before, after, change] = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  const signed = (ratio) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)} %`;
  const rows = before.results.map((b) => {
    const a = after.results.find((r) => r.scenario === b.scenario);
    const cell = (r) =>
      r === undefined
        ? ['', '']
        : [
            `${signed(r.ratio)} (${signed(r.ratios[0])} to ${signed(r.ratios.at(-1))})`,
            `${r.processes - r.processesBFaster} of ${r.processes}`,
          ];
    return [`${b.scenario} (${b.unit})`, ...cell(b), ...cell(a)];
  });
  const changeRows = abRows(change.results, (r) => r.processesBFaster);
  const load = (run) => run.meta.loadAverage?.toFixed(1) ?? '?';
  return `
Counted once per publication: the broker sums a publication's deliveries and adds them to the
EVENT count once (packages/router/src/broker/delivery-count.ts), where \`RouterSession.send\`
counted each receiver; \`--counting-off\` also empties the broker's add (\`countEvents\`). The same
\`--counting-off\` run before the change (commit \`${before.meta.commit}\`, load average ${load(before)}) and after it (load average ${load(after)}), ${before.meta.processes} processes of ${before.meta.rounds} rounds each; the metrics are the same (test/e2e/metrics-fanout.test.ts).
The machine was shared with other jobs in both runs: compare within a row.

${table(['scenario', 'counting per receiver: with / without', 'slower with counting in', 'counting per publication: with / without', 'slower with counting in'], rows)}
The change itself, the tree before it ("before", \`packages/router/src\` of \`${String(change.meta.baselineRef).slice(0, 7)}\`) against the tree after it, paired in one process (load average ${load(change)}):

${table(['scenario', 'before', 'after', 'after / before', 'per process', 'after faster in'], changeRows)}
What is left of counting in a fan-out is per publication (the PUBLISH received, the fan-out
histogram, the one add): at 100 receivers a fraction of a nanosecond a delivery, below what
these runs resolve. Calls are counted per message as before (\`rpc-window\`): the change does not
touch them.
`;
}

/** The router-core rows of the counting cost, if the run has them. */
function microTable(meta, micro, change) {
  if (micro.length === 0) return '';
  const rows = micro.map((m) => [
    `${m.scenario} (${m.unit})`,
    m.before.median.toFixed(1),
    m.after.median.toFixed(1),
    change(m.before.median, m.after.median),
    m.before.best.toFixed(1),
    m.after.best.toFixed(1),
  ]);
  return `
The same two builds, the router core alone (\`bench/lib/router-core-micro.mjs\`: sessions on
in-memory peers, no sockets, no serialization; ${meta.rounds * 2} runs each, interleaved, on core 0).
Without the sockets' cost around it, what the router core gained since that commit (the counters
and everything else) stands out of the machine's noise; what the counters alone cost is below:

${table(['router core', 'before (median)', 'after (median)', 'change', 'before (best)', 'after (best)'], rows)}`;
}

/** The CPU profile summaries collected in bench/results/profile-summary.md, if any. */
export function profileSummary(dir) {
  const file = join(dir, 'profile-summary.md');
  if (!existsSync(file)) return '';
  return `## Where the router's time goes

CPU profiles of Interchange (\`node bench/run.mjs --profile\`, summarized with
\`node bench/profile-top.mjs <file> --markdown TITLE\` into \`bench/results/profile-summary.md\`;
see docs/profiling.md). Profiled runs are slower than the numbers above: read shares, not rates.

${readFileSync(file, 'utf8').trim()}

`;
}

/**
 * The "Cluster" section, written by the cluster scenario (scenario-cluster.mjs) into
 * bench/results/cluster.md: it runs its own routers, not cells, so it keeps its own table.
 */
export function clusterSection(dir) {
  return `${writtenSection(dir, 'cluster.md')}${writtenSection(dir, 'cluster-crossing.md')}`;
}

/**
 * The "Client size" section, written by packages/client/scripts/size-report.mjs into
 * bench/results/client-size.md (it measures bundles, not the router, so it runs on its own).
 */
export function clientSizeSection(dir) {
  return writtenSection(dir, 'client-size.md');
}

/** A section another script wrote as Markdown into `dir`, as it is; empty if not written. */
function writtenSection(dir, name) {
  const file = join(dir, name);
  return existsSync(file) ? `${readFileSync(file, 'utf8')}\n` : '';
}

/**
 * What the dealer's features cost the router core per call, and what issue 17's third round cut of
 * it, from bench/results/router-core-ab-dealer.json (the round: the tree against the commit before
 * it) and router-core-ab-dealer-features.json (the features: the tree against the dealer folder
 * of a commit before them), both bench/lib/router-core-ab.mjs --out runs, if any.
 */
export function dealerCallCost(dir) {
  const runs = [
    ['router-core-ab-dealer.json', 'The round'],
    ['router-core-ab-dealer-features.json', 'The features'],
  ].filter(([file]) => existsSync(join(dir, file)));
  if (runs.length === 0) return '';
  const tables = runs.map(([file, title]) => {
    const { meta, results } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const rows = abRows(results, (r) => r.processesBFaster);
    const files = (meta.baselineFiles ?? []).map((f) => `\`${f}\``).join(' and ');
    return `**${title}**: "before" is ${files} of commit \`${String(meta.baselineRef).slice(0, 10)}\`, "after" the tree of commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.processes} fresh processes of ${meta.rounds} rounds each (${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; load average ${meta.loadAverage?.toFixed(1) ?? '?'} at the end).${meta.note ? `\n\n> ${meta.note}` : ''}

${table(['scenario', 'before', 'after', 'after / before', 'per process', 'after faster in'], rows)}`;
  });
  return `### The dealer's features per call

What the dealer's features of the hardening and call-queue work (pending call bytes, call queues,
concurrency across nodes, the cluster hooks in a node without a cluster) cost the router core per
call, and what issue 17's third round cut of it; docs/profiling.md ("Issue 17, third round") has
each change with its own paired run. \`node bench/lib/router-core-ab.mjs\`, as above.

${tables.join('\n')}
`;
}
