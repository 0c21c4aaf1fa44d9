/**
 * Writes BENCHMARKS.md (tables) and bench/results/*.svg (charts) from one or more results files.
 * Later files win for the same cell, so a partial re-run can be merged into a full one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BASELINE_FILES } from './build-interchange.mjs';
import { int, label, pct, table, us } from './report-format.mjs';
import { mqttSection } from './report-mqtt.mjs';
import {
  clientSizeSection,
  clusterSection,
  countingCost,
  dealerCallCost,
  floorAtHalf,
  floorSection,
  generatorCost,
  latencyFloor,
  profileSummary,
  routerCoreAB,
} from './report-side-runs.mjs';
import { barChart, shortNumber } from './svg-chart.mjs';

const COLORS = {
  interchange: '#1b6ac9',
  'interchange-baseline': '#8fb8ea',
  'wamp-server': '#e08a00',
  'fox-wamp': '#7a9a01',
  'ws-relay': '#6f6f6f',
  'net-relay': '#3a3a3a',
  'bun-relay': '#b0479a',
};
const ORDER = ['interchange', 'interchange-baseline', 'wamp-server', 'fox-wamp', 'ws-relay', 'net-relay', 'bun-relay'];
const SERIALIZERS = ['json', 'msgpack', 'cbor'];

function cellKey(r) {
  const { windows, publications, ...params } = r.params;
  return JSON.stringify([r.scenario, r.target, r.serializer, params]);
}

/** Merges results files: the last one's meta, each cell's latest result. */
export function loadResults(files) {
  const cells = new Map();
  let meta;
  for (const file of files) {
    const data = JSON.parse(readFileSync(file, 'utf8'));
    meta = data.meta;
    for (const r of data.results) cells.set(cellKey(r), r);
  }
  const results = [...cells.values()].sort(
    (a, b) =>
      ORDER.indexOf(a.target) - ORDER.indexOf(b.target) ||
      SERIALIZERS.indexOf(a.serializer) - SERIALIZERS.indexOf(b.serializer),
  );
  return { meta, results };
}

const failed = (r) => `failed: ${r.error.replace(/\|/g, '/').slice(0, 90)}`;

function find(results, scenario, target, serializer, match = () => true) {
  return results.find((r) => r.scenario === scenario && r.target === target && r.serializer === serializer && match(r));
}

function headline(results) {
  const rows = [];
  for (const target of ORDER) {
    const mine = results.filter((r) => r.target === target && r.serializer === 'json');
    if (mine.length === 0) continue;
    const value = (r, fmt) => (r === undefined ? '' : r.ok ? fmt(r) : failed(r).slice(0, 40));
    const rpc = find(results, 'rpc-throughput', target, 'json');
    const half = find(results, 'rpc-latency', target, 'json', (r) => r.params.rate === 'half');
    const fan = (n) => find(results, 'fanout', target, 'json', (r) => r.params.subscribers === n);
    const sessions = find(results, 'sessions', target, 'json');
    rows.push([
      label(target),
      value(rpc, (r) => int(r.rate)),
      value(half, (r) => `${us(r.latencyUs.p99)} at ${int(r.targetRate)}/s${r.saturated ? ' (saturated)' : ''}`),
      value(fan(100), (r) => int(r.rate)),
      value(fan(1000), (r) => int(r.rate)),
      value(fan(10_000), (r) => int(r.rate)),
      value(sessions, (r) => `${int(r.opened)}: ${int(r.perSession.heapUsed)} B heap, ${int(r.perSession.rss)} B RSS`),
    ]);
  }
  return table(
    [
      'wamp.2.json',
      'routed calls/s',
      'p99 at half the max rate',
      'deliveries/s, 100 subscribers',
      '1,000 subscribers',
      '10,000 subscribers',
      'idle sessions: memory each',
    ],
    rows,
  );
}

function rpcTable(results) {
  const rows = results
    .filter((r) => r.scenario === 'rpc-throughput')
    .map((r) => [label(r.target), r.serializer, r.ok ? int(r.rate) : failed(r), pct(r.routerCpu), pct(r.loadCpu)]);
  return table(['target', 'serializer', 'calls/s', 'router CPU', 'generator CPU'], rows);
}

function latencyTable(results) {
  const rows = results
    .filter((r) => r.scenario === 'rpc-latency')
    .map((r) =>
      r.ok
        ? [
            label(r.target),
            r.serializer,
            `${int(r.targetRate)}${r.params.rate === 'half' ? ' (half max)' : ''}`,
            int(r.rate),
            us(r.latencyUs.p50),
            us(r.latencyUs.p99),
            us(r.latencyUs.p999),
            us(r.latencyUs.max),
            r.saturated ? 'yes' : '',
          ]
        : [label(r.target), r.serializer, String(r.params.rate), failed(r), '', '', '', '', ''],
    );
  return table(['target', 'serializer', 'rate asked', 'calls/s', 'p50', 'p99', 'p99.9', 'max', 'saturated'], rows);
}

function pubsubTable(results, scenario) {
  const rows = results
    .filter((r) => r.scenario === scenario)
    .map((r) => {
      const size =
        scenario === 'fanout'
          ? int(r.params.subscribers)
          : `${r.params.topics} topics, ${r.params.subscribers} subscribers × ${r.params.perSubscriber}`;
      if (!r.ok) return [label(r.target), r.serializer, size, failed(r), '', '', ''];
      const windows = (r.windows ?? []).map((w) => `${shortNumber(w.window)}: ${shortNumber(w.rate)}`).join(', ');
      return [label(r.target), r.serializer, size, int(r.rate), windows, pct(r.routerCpu), pct(r.loadCpu)];
    });
  return table(
    [
      'target',
      'serializer',
      scenario === 'fanout' ? 'subscribers' : 'shape',
      'deliveries/s',
      'by window (outstanding: rate)',
      'router CPU',
      'generator CPU',
    ],
    rows,
  );
}

function sessionsTable(results) {
  const rows = results
    .filter((r) => r.scenario === 'sessions')
    .map((r) =>
      r.ok
        ? [
            label(r.target),
            int(r.opened),
            int(r.fdLimit),
            int(r.perSession.heapUsed),
            int(r.perSession.rss),
            `${shortNumber(r.routerRss)}B`,
            int(r.sessionsPerSecond),
            r.openError ? r.openError.slice(0, 60) : '',
          ]
        : [label(r.target), failed(r), '', '', '', '', '', ''],
    );
  return table(
    [
      'target',
      'sessions open',
      'fd limit',
      'heap per session (B)',
      'RSS per session (B)',
      'router RSS',
      'opened/s',
      'note',
    ],
    rows,
  );
}

function beforeAfter(results) {
  const rows = [];
  // MQTT cells have a before-and-after table of their own, against their own baseline (report-mqtt.mjs).
  for (const after of results.filter(
    (r) => r.target === 'interchange' && r.ok && r.scenario !== 'sessions' && r.scenario !== 'mqtt',
  )) {
    const before = results.find(
      (r) =>
        r.target === 'interchange-baseline' &&
        r.ok &&
        cellKey(r) === cellKey({ ...after, target: 'interchange-baseline' }),
    );
    if (before === undefined) continue;
    const { windows, publications, callers, inflight, ...params } = after.params;
    const what = `${after.scenario} ${after.serializer} ${Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
    if (after.scenario === 'rpc-latency') {
      const change = Math.round((100 * after.latencyUs.p99) / before.latencyUs.p99 - 100);
      const at = (r) => (r.params.rate === 'half' ? ` at ${int(r.targetRate)}/s` : '');
      rows.push([
        what,
        `p99 ${us(before.latencyUs.p99)}${at(before)}`,
        `p99 ${us(after.latencyUs.p99)}${at(after)}`,
        `${change >= 0 ? '+' : ''}${change} % (latency)`,
      ]);
    } else {
      rows.push([
        what,
        int(before.rate),
        int(after.rate),
        `${after.rate >= before.rate ? '+' : ''}${Math.round((100 * after.rate) / before.rate - 100)} %`,
      ]);
    }
  }
  return table(['cell', 'before (baseline)', 'after', 'change'], rows);
}

/** What "before" and "after" are: the baseline's commit and files, and the run's note on them. */
function baselineProse(meta) {
  const ref = `\`${String(meta.baselineRef).slice(0, 10)}\``;
  const files = meta.baselineFiles ?? BASELINE_FILES;
  const wholeTree = files.length === BASELINE_FILES.length && files.every((f) => BASELINE_FILES.includes(f));
  const note = meta.baselineNote ? `\n\n${meta.baselineNote}` : '';
  if (wholeTree) {
    return `"Before" is \`interchange-baseline\`: Interchange as it was at commit ${ref} (the sources of
every package of that commit, built with today's npm dependencies). "After" is today's tree. Both
ran in the same run, one cell after the other, on the same core.${note}`;
  }
  const list = files.map((f) => `\`${f.replace(/^packages\//, '')}\``).join(', ');
  return `"Before" is \`interchange-baseline\`: today's tree with these files as they are in commit ${ref}:
${list}. "After" is today's tree. Both ran in the same run, one cell after the other, on the same core.${note}`;
}

function charts(results, dir) {
  const written = [];
  const targets = ORDER.filter((t) => results.some((r) => r.target === t));
  const rpc = barChart({
    title: 'Routed RPC, calls per second (router on one core)',
    unit: 'calls/s',
    series: SERIALIZERS.map((s, i) => ({ name: s, color: ['#1b6ac9', '#e08a00', '#7a9a01'][i] })),
    groups: targets.map((t) => ({
      label: label(t),
      values: SERIALIZERS.map((s) => {
        const r = find(results, 'rpc-throughput', t, s);
        return r === undefined ? null : r.ok ? r.rate : 'failed';
      }),
    })),
  });
  writeFileSync(join(dir, 'rpc-throughput.svg'), rpc);
  written.push('rpc-throughput.svg');
  const sizes = [...new Set(results.filter((r) => r.scenario === 'fanout').map((r) => r.params.subscribers))].sort(
    (a, b) => a - b,
  );
  const fan = barChart({
    title: 'Fan-out, deliveries per second, 1 publisher (wamp.2.json)',
    unit: 'deliveries/s',
    series: targets.map((t) => ({ name: label(t), color: COLORS[t] })),
    groups: sizes.map((n) => ({
      label: `${n.toLocaleString('en-US')} subscribers`,
      values: targets.map((t) => {
        const r = find(results, 'fanout', t, 'json', (x) => x.params.subscribers === n);
        return r === undefined ? null : r.ok ? r.rate : 'failed';
      }),
    })),
  });
  writeFileSync(join(dir, 'fanout.svg'), fan);
  written.push('fanout.svg');
  return written;
}

/** `true` → met, `false` → not met, a string says how far. */
const verdict = (met) => (met === true ? 'met' : met === false ? 'not met' : met);

/** Interchange against the goals of its performance issue (wamp.2.json unless said). */
function goals(results, dir) {
  const r = (scenario, serializer, match) => find(results, scenario, 'interchange', serializer, match);
  const row = (goal, result, value, met) =>
    result === undefined
      ? [goal, 'not measured', '']
      : result.ok
        ? [goal, value(result), verdict(met(result))]
        : [goal, failed(result), 'not met'];
  const rows = [
    row(
      'routed RPC ≥ 200,000 calls/s (json)',
      r('rpc-throughput', 'json'),
      (x) => int(x.rate),
      (x) => x.rate >= 200_000,
    ),
    row(
      'routed RPC, msgpack above json',
      r('rpc-throughput', 'msgpack'),
      (x) => int(x.rate),
      (x) => x.rate > (r('rpc-throughput', 'json')?.rate ?? Infinity),
    ),
    row(
      'fan-out ≥ 1,800,000 deliveries/s, 100 subscribers',
      r('fanout', 'json', (x) => x.params.subscribers === 100),
      (x) => int(x.rate),
      (x) => x.rate >= 1_800_000,
    ),
    row(
      'fan-out ≥ 1,800,000 deliveries/s, 1,000 subscribers',
      r('fanout', 'json', (x) => x.params.subscribers === 1000),
      (x) => int(x.rate),
      (x) => x.rate >= 1_800_000,
    ),
    row(
      'RPC p99 < 1 ms at half the maximum rate',
      r('rpc-latency', 'json', (x) => x.params.rate === 'half'),
      (x) => `${us(x.latencyUs.p99)} at ${int(x.targetRate)}/s`,
      (x) => x.latencyUs.p99 < 1000 && !x.saturated,
    ),
    row(
      'sessions up to the fd limit at < 8 KB each (heap; RSS)',
      r('sessions', 'json'),
      (x) => `${int(x.opened)} of ${int(x.fdLimit)}: ${int(x.perSession.heapUsed)} B; ${int(x.perSession.rss)} B`,
      // 8 KB read strictly as 8,000 bytes.
      (x) =>
        x.opened < x.fdLimit - 100 || x.perSession.heapUsed >= 8000
          ? false
          : x.perSession.rss < 8000
            ? true
            : 'met on heap, not on RSS',
    ),
  ];
  const floor = floorAtHalf(dir);
  if (floor !== undefined) {
    // Right after the single-cell p99 row it qualifies.
    rows.splice(
      5,
      0,
      [
        `RPC p99 < 1 ms, median of ${floor.interchange.rounds} interleaved rounds at half the max (latency-floor, ${int(floor.interchange.rate)}/s)`,
        `${us(floor.interchange.p99)}; ${label(floor.name)} ${us(floor.relay.p99)}`,
        floor.interchange.p99 < 1000 ? 'met' : floor.relay.p99 < 1000 ? 'not met' : 'not met; nor by the floor',
      ],
      [
        `RPC p99 within 1.5× of the floor's at half its max (issue 17, ${int(floor.interchange.rate)}/s)`,
        `${(floor.interchange.p99 / floor.relay.p99).toFixed(2)}×`,
        floor.interchange.p99 <= 1.5 * floor.relay.p99 ? 'met' : 'not met',
      ],
    );
  }
  return table(['goal', 'Interchange', ''], rows);
}

/** What the durable-publish cells measured, if any: memory against lmdb realm stores. */
function durableSection(results, sizes) {
  const cells = results.filter((r) => r.scenario === 'durable-publish');
  if (cells.length === 0) return '';
  const storeLabel = { memory: 'memory', lmdb: 'lmdb (sync, default)', 'lmdb-nosync': 'lmdb, `sync: false`' };
  const rows = cells.map((r) =>
    r.ok
      ? [
          storeLabel[r.params.store] ?? r.params.store,
          r.serializer,
          int(r.rate),
          us(r.latencyUs.p50),
          `**${us(r.latencyUs.p99)}**`,
          us(r.latencyUs.max),
          pct(r.routerCpu),
          `${((r.routerCpu / r.rate) * 1e6).toFixed(1)} µs`,
        ]
      : [storeLabel[r.params.store] ?? r.params.store, r.serializer, failed(r), '', '', '', '', ''],
  );
  const durable = sizes.durable ?? cells[0].params;
  return `## Acknowledged publications into a realm store

${durable.publishers} publishers keep ${durable.inflight} \`PUBLISH\` with \`acknowledge\` and \`retain\` in
flight (closed loop), each to its own topic under a prefix with an event history, so every
publication writes a history event and a retained event. PUBLISHED/s, and the time from a PUBLISH
leaving to its PUBLISHED arriving (with ${durable.inflight} in flight, mostly queueing). With \`lmdb\`,
PUBLISHED waits until the writes of its event-loop turn are flushed to disk (\`sync: false\`: committed)
(docs/durability.md). On a shared machine the router gets only part of its core; its CPU per
publication is the steadier figure.

${table(['realm store', 'serializer', 'PUBLISHED/s', 'p50', 'p99', 'max', 'router CPU', 'router CPU per publication'], rows)}
`;
}

/** Writes BENCHMARKS.md at `root` and the charts; returns the paths written. */
export function writeReport({ root, files, note }) {
  const { meta, results } = loadResults(files);
  if (note !== undefined) meta.note = note;
  const dir = join(root, 'bench', 'results');
  const svgs = charts(results, dir);
  const failures = results.filter((r) => !r.ok);
  const sizes = meta.sizes;
  const md = `# Benchmarks

Generated by \`npm run bench\` (bench/run.mjs) from ${files.map((f) => `\`${relative(root, f)}\``).join(', ')}. Do not edit by hand: re-run the bench.

**Machine:** ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, Linux ${meta.kernel}; commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.started.slice(0, 16).replace('T', ' ')} UTC.
Each router runs alone on core 0 (\`taskset -c 0\`); the load generator runs on core 1.${meta.pinned ? '' : ' **Pinning was not available on this machine: router and load shared the cores.**'}
Windows: ${sizes.warmupMs / 1000} s warm-up, ${sizes.durationMs / 1000} s measured per cell; a fresh router process per cell.
${meta.note ? `\n> ${meta.note}\n` : ''}
## Summary

${headline(results)}
![Routed RPC](bench/results/${svgs[0]})

![Fan-out](bench/results/${svgs[1]})

## Goals

${goals(results, dir)}
${floorSection(dir)}## Interchange before and after (same run, same CPU core)

${baselineProse(meta)}

${beforeAfter(results)}
${countingCost(dir)}${routerCoreAB(dir)}${dealerCallCost(dir)}## Routed RPC throughput

Closed loop: ${sizes.callers} callers keep ${sizes.inflight} calls in flight to one callee (\`CALL\` → \`INVOCATION\` → \`YIELD\` → \`RESULT\`).

${rpcTable(results)}
## Routed RPC latency

Open loop at a fixed rate after a closed-loop warm-up: calls leave in bursts at most 100 µs apart,
and latency counts from when each call was due, not when it left (no coordinated omission; the
bursts add up to 100 µs). "half max" is half of the same target's throughput above. Saturated:
calls were still piling up at the end, so the rate was beyond what the router sustained. The
generator busy-waits between bursts, so its CPU reads 100 % in these cells whatever its load.

${latencyTable(results)}
${latencyFloor(dir)}## Fan-out

One publisher, N subscribers of one topic; deliveries counted at the subscribers. Publications go
out while fewer than a window of deliveries is outstanding; each window is measured in turn and the
better rate counts (a shallow window can leave a fast router idle, a deep one overloads a router
whose cost per write grows with its backlog).

${pubsubTable(results, 'fanout')}
## Many publishers, many topics

${pubsubTable(results, 'topics')}
## Idle sessions

As many sessions as the router's file-descriptor limit allows (less 100), each joined and idle.
Memory per session is the router's growth (heap after a full GC, and RSS) divided by the sessions
open. Serializer: json (an idle session costs the same whatever it would speak).

${sessionsTable(results)}
${durableSection(results, sizes)}${clusterSection(dir)}${mqttSection(results, files, dir)}${profileSummary(dir)}${failures.length > 0 ? `## Failures recorded\n\n${failures.map((r) => `- ${r.scenario} / ${label(r.target)} / ${r.serializer} ${JSON.stringify(r.params)}: ${r.error}`).join('\n')}\n\n` : ''}${clientSizeSection(dir)}## The generator

The load generator (bench/lib) is built to cost less than the router it measures: every WAMP
message it sends is encoded once into a complete WebSocket frame (masked with a zero key, so it is
copied, never XORed), request IDs are patched in place, a connection's frames of one event-loop turn
leave in one write, and received frames are split and counted by reading two or three header bytes,
with no decoding beyond the message type and request ID. A \`ws\` client would cost several times
more per message, which at millions of deliveries a second would measure the client, not the router:

${generatorCost(dir)}
The generator's CPU share is in the tables
("generator CPU"); where it approaches 100 % the number is a floor of the router's capacity, not
its ceiling.

The peers are the npm packages as published, started as their READMEs show. wamp-server and
fox-wamp speak only \`wamp.2.json\`.

How to run: \`npm run bench\` (everything, several minutes), \`npm run bench:smoke\` (tiny sizes,
proves each scenario and target runs), \`node bench/run.mjs --help\` (targets, scenarios, sizes,
\`--profile\` for CPU profiles; see docs/profiling.md).
`;
  const out = join(root, 'BENCHMARKS.md');
  writeFileSync(out, md);
  return [out, ...svgs.map((s) => join(dir, s))];
}
