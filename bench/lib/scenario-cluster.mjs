/**
 * The cluster scenario (issue 11, docs/scaling.md): what crossing nodes costs, and what a second
 * router process adds. Unlike the other scenarios it is not a cell of one router: it starts its
 * own routers (Interchange only, from packages/server/bin/interchange.js, so build first) and a
 * nats-server, and runs the load from this process.
 *
 * - Latency: a callee on node 1, calls at a fixed rate (1,000/s) from a caller on node 1 and from
 *   one on node 2 (INVOCATION and YIELD each cross NATS), alternated twice; p50/p99 of each.
 * - Throughput with 1 and with 2 router processes: one node without a `cluster` block, against
 *   two nodes joined through NATS with the same load spread over both. Routed calls/s: callers
 *   split over the nodes, closed loop, one callee per node on a shared `roundrobin`
 *   registration (so about half the calls cross). Deliveries/s: subscribers of one topic split
 *   over the nodes, one publisher per node (two on the single node), closed loop on deliveries.
 *
 * On the 2-core machine this runs on, two routers, NATS and the load generator share the cores:
 * the numbers say what this machine gives, not how a cluster of machines scales.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect } from '@interchange/client';
import { measureWindow, watchClients } from './measure.mjs';
import { Code, FrameTemplate, HEAD, headReader, ID_SLOT } from './wire.mjs';
import { openMany, WampRawClient } from './ws-client.mjs';

const HOST = '127.0.0.1';
const REALM = 'realm1';

/** Where nats-server is, or `undefined` when it is not installed. */
export function natsServerBinary() {
  if (existsSync('/usr/sbin/nats-server')) return '/usr/sbin/nats-server';
  for (const dir of (process.env.PATH ?? '').split(':'))
    if (existsSync(join(dir, 'nats-server'))) return join(dir, 'nats-server');
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once a line of its output satisfies `ready`. */
function start(command, args, ready, stream = 'stdout') {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.resume();
  child.stderr.resume();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} did not start`)), 30_000);
    createInterface({ input: child[stream] }).on('line', (line) => {
      if (ready(line)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`${command} exited (${code})`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** Starts an Interchange node on `port`, joined to `nats` as `node` (or standalone without `nats`). */
async function startNode(cli, dir, port, nats, node) {
  const cbdir = join(dir, node);
  await mkdir(cbdir, { recursive: true });
  const config = {
    version: 2,
    ...(nats === undefined ? {} : { cluster: { type: 'nats', servers: [nats], node } }),
    workers: [
      {
        type: 'router',
        realms: [{ name: REALM }],
        transports: [{ type: 'websocket', endpoint: { type: 'tcp', port, interface: HOST } }],
      },
    ],
  };
  await writeFile(join(cbdir, 'config.json'), JSON.stringify(config));
  const child = await start(process.execPath, [cli, 'start', '--cbdir', cbdir], (line) =>
    line.includes('"transport listening"'),
  );
  return { child, port, pid: child.pid };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

/** Calls at `rate` per second for `seconds`; the latencies in microseconds. */
async function paced(session, procedure, rate, seconds) {
  const latencies = [];
  const total = rate * seconds;
  const interval = 1000 / rate;
  const begin = performance.now();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = begin + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // From when the call was due (a stalled router is charged for the calls it delayed), or from
    // when it left if that was earlier (the timer woke up to 1 ms before).
    const from = Math.min(due, performance.now());
    pending.push(session.call(procedure, [i]).then(() => latencies.push((performance.now() - from) * 1000)));
  }
  await Promise.all(pending);
  return latencies;
}

/** Retries a call until a procedure registered on another node answers. */
async function untilCallable(session, procedure) {
  for (let i = 0; ; i++) {
    try {
      await session.call(procedure, [0]);
      return;
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Cross-node call latency: caller and callee on one node, against on two. */
async function latency(nodes, { rate, seconds, serializer }) {
  const url = (node) => `ws://${HOST}:${node.port}/`;
  const callee = await connect({ url: url(nodes[0]), realm: REALM, serializers: [serializer] });
  await callee.register('bench.cluster.latency', ({ args }) => args[0]);
  const local = await connect({ url: url(nodes[0]), realm: REALM, serializers: [serializer] });
  const remote = await connect({ url: url(nodes[1]), realm: REALM, serializers: [serializer] });
  await untilCallable(remote, 'bench.cluster.latency');
  // Warm-up of both paths, then both measured twice, alternated, so a noisy moment hits both.
  await paced(local, 'bench.cluster.latency', rate, 1);
  await paced(remote, 'bench.cluster.latency', rate, 1);
  const samples = { local: [], remote: [] };
  for (const name of ['local', 'remote', 'local', 'remote']) {
    samples[name].push(...(await paced(name === 'local' ? local : remote, 'bench.cluster.latency', rate, seconds)));
  }
  await Promise.all([callee.leave(), local.leave(), remote.leave()]);
  const summary = (list) => {
    const sorted = list.sort((a, b) => a - b);
    return { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), calls: sorted.length };
  };
  return { rate, serializer, oneNode: summary(samples.local), twoNodes: summary(samples.remote) };
}

/** `count` clients spread round robin over `nodes`, joined. */
function spread(nodes, count, serializer) {
  return openMany(
    count,
    32,
    (i) => new WampRawClient({ host: HOST, port: nodes[i % nodes.length].port, serializer }),
    (client) => client.join(REALM),
  );
}

/** Closed-loop routed calls with the callers and one callee per node spread over `nodes`. */
async function calls(nodes, sizes) {
  const { serializer } = sizes;
  const read = headReader(serializer);
  const procedure = 'bench.cluster.echo';
  const callees = await spread(nodes, nodes.length, serializer);
  const yieldFrame = new FrameTemplate(serializer, [Code.YIELD, ID_SLOT, {}, ['pong']]);
  for (const callee of callees) {
    await callee.request([Code.REGISTER, 1, { invoke: 'roundrobin' }, procedure], Code.REGISTERED);
    callee.onFrame = (buf, start, end) => {
      if (read(buf, start, end) === Code.INVOCATION) callee.queue(yieldFrame, HEAD[1]);
    };
  }
  const callers = await spread(nodes, sizes.callers, serializer);
  const callFrame = new FrameTemplate(serializer, [Code.CALL, ID_SLOT, {}, procedure, ['ping']]);
  // The other nodes learn of the registrations from NATS: wait until every caller gets answers.
  const control = await connect({ url: `ws://${HOST}:${nodes.at(-1).port}/`, realm: REALM });
  await untilCallable(control, procedure);
  await control.leave();
  const all = [...callees, ...callers];
  const watch = watchClients(all);
  let answered = 0;
  try {
    callers.forEach((caller, k) => {
      let nextId = k * 100_000_000 + 1;
      caller.onFrame = (buf, start, end) => {
        if (read(buf, start, end) !== Code.RESULT) return;
        answered++;
        caller.queue(callFrame, nextId++);
      };
      const share = Math.floor(sizes.inflight / callers.length);
      for (let i = 0; i < share; i++) caller.queue(callFrame, nextId++);
      caller.flush();
    });
    const window = await measureWindow({
      warmupMs: sizes.warmupMs,
      durationMs: sizes.durationMs,
      routerPid: nodes[0].pid,
      count: () => answered,
      failure: watch.failure,
    });
    return { rate: Math.round(window.rate), unit: 'calls/s', node1Cpu: window.routerCpu, loadCpu: window.loadCpu };
  } finally {
    watch.stop();
    for (const client of all) client.destroy();
  }
}

/** Closed-loop deliveries: subscribers of one topic and one publisher per node spread over `nodes`. */
async function deliveries(nodes, sizes) {
  const { serializer } = sizes;
  const read = headReader(serializer);
  const topic = 'bench.cluster.fan';
  let delivered = 0;
  let published = 0;
  let scheduled = false;
  let pump = () => {};
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      pump();
    });
  };
  const subscribers = await spread(nodes, sizes.subscribers, serializer);
  for (const subscriber of subscribers) {
    await subscriber.request([Code.SUBSCRIBE, 1, {}, topic], Code.SUBSCRIBED);
    subscriber.onFrame = (buf, start, end) => {
      if (read(buf, start, end) === Code.EVENT) {
        delivered++;
        schedule();
      }
    };
  }
  // Two publishers whatever the node count, so the load is the same with 1 and 2 processes.
  const publishers = await spread(nodes, 2, serializer);
  const frame = new FrameTemplate(serializer, [Code.PUBLISH, ID_SLOT, {}, topic, ['hello']]);
  // Subscriptions reach the other node a NATS round trip after SUBSCRIBED: wait for a delivery on each.
  const fan = subscribers.length;
  const ids = [1, 1];
  const all = [...subscribers, ...publishers];
  const watch = watchClients(all);
  try {
    for (let probe = 0; delivered < fan; probe++) {
      if (probe > 200) throw new Error('subscribers on the other node never got an event');
      delivered = 0;
      publishers[0].queue(frame, ids[0]++);
      publishers[0].flush();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    delivered = 0;
    published = 0;
    let turn = 0;
    pump = () => {
      const room = Math.floor((sizes.window - (published * fan - delivered)) / fan);
      for (let i = 0; i < room; i++) {
        const p = turn++ % publishers.length;
        publishers[p].queue(frame, ids[p]++);
      }
      if (room > 0) for (const publisher of publishers) publisher.flush();
      published += Math.max(0, room);
    };
    pump();
    const window = await measureWindow({
      warmupMs: sizes.warmupMs,
      durationMs: sizes.durationMs,
      routerPid: nodes[0].pid,
      count: () => delivered,
      failure: watch.failure,
    });
    return {
      rate: Math.round(window.rate),
      unit: 'deliveries/s',
      subscribers: fan,
      node1Cpu: window.routerCpu,
      loadCpu: window.loadCpu,
    };
  } finally {
    watch.stop();
    for (const client of all) client.destroy();
  }
}

/**
 * Runs the scenario; resolves with its results. `cli` is the path of the interchange CLI.
 * @param {{ cli: string, sizes: object, log?: (line: string) => void }} options
 */
export async function clusterScenario({ cli, sizes, log = () => {} }) {
  const nats = natsServerBinary();
  if (nats === undefined) throw new Error('nats-server is not installed (Debian: apt install nats-server)');
  const dir = await mkdtemp(join(tmpdir(), 'interchange-cluster-bench-'));
  const children = [];
  const results = { sizes };
  try {
    // One process, no cluster.
    const single = await startNode(cli, dir, await freePort(), undefined, 'single');
    children.push(single.child);
    results.oneProcess = { calls: await calls([single], sizes), deliveries: await deliveries([single], sizes) };
    log(
      `cluster: 1 process: ${results.oneProcess.calls.rate} calls/s, ${results.oneProcess.deliveries.rate} deliveries/s`,
    );
    await stop(children.pop());

    // Two processes joined through NATS.
    const natsPort = await freePort();
    children.push(
      await start(
        nats,
        ['-a', HOST, '-p', String(natsPort), '-js', '-sd', join(dir, 'nats')],
        (line) => line.includes('Server is ready'),
        'stderr',
      ),
    );
    const url = `nats://${HOST}:${natsPort}`;
    const n1 = await startNode(cli, dir, await freePort(), url, 'n1');
    children.push(n1.child);
    const n2 = await startNode(cli, dir, await freePort(), url, 'n2');
    children.push(n2.child);
    results.latency = await latency([n1, n2], sizes.latency);
    log(
      `cluster: call latency at ${sizes.latency.rate}/s: one node p50 ${results.latency.oneNode.p50} µs p99 ${results.latency.oneNode.p99} µs; two nodes p50 ${results.latency.twoNodes.p50} µs p99 ${results.latency.twoNodes.p99} µs`,
    );
    results.twoProcesses = { calls: await calls([n1, n2], sizes), deliveries: await deliveries([n1, n2], sizes) };
    log(
      `cluster: 2 processes: ${results.twoProcesses.calls.rate} calls/s, ${results.twoProcesses.deliveries.rate} deliveries/s`,
    );
    return results;
  } finally {
    for (const child of children.reverse()) await stop(child);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The BENCHMARKS.md section of a cluster run (bench/results/cluster.md). */
export function clusterMarkdown(results, meta, note) {
  const { latency, oneProcess, twoProcesses, sizes } = results;
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const ratio = (a, b) => `${(b / a).toFixed(2)}×`;
  const pct = (x) => `${Math.round(x * 100)} %`;
  return `## Cluster: crossing nodes, and a second router process

\`npm run bench -- --scenarios cluster\` (bench/lib/scenario-cluster.mjs; needs \`nats-server\` and a
build). ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; commit ${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.started.slice(0, 16).replace('T', ' ')} UTC.
Routers, nats-server and the load generator all share the ${meta.cores} cores here (nothing is pinned)${note === undefined ? '' : `; ${note}`}.
The load generator is this one process (the bench's raw WebSocket client for throughput, the
Interchange client for latency), ${sizes.serializer}.

**Latency of a routed call** at ${fmt(latency.rate)} calls/s, callee on node 1 (${fmt(latency.oneNode.calls)} calls each, two rounds alternated):

| caller | p50 | p99 |
|---|---:|---:|
| on node 1 (caller and callee on one node) | ${fmt(latency.oneNode.p50)} µs | ${fmt(latency.oneNode.p99)} µs |
| on node 2 (INVOCATION and YIELD cross NATS) | ${fmt(latency.twoNodes.p50)} µs | ${fmt(latency.twoNodes.p99)} µs |
| crossing adds | ${fmt(latency.twoNodes.p50 - latency.oneNode.p50)} µs | ${fmt(latency.twoNodes.p99 - latency.oneNode.p99)} µs |

**Throughput, 1 router process against 2** (the same load; with 2, the sessions are spread over both
nodes, joined through one nats-server):

| | 1 process (no cluster) | 2 processes | 2 ÷ 1 |
|---|---:|---:|---:|
| routed calls/s (${sizes.callers} callers, ${sizes.inflight} in flight, a \`roundrobin\` callee per node) | ${fmt(oneProcess.calls.rate)} | ${fmt(twoProcesses.calls.rate)} | ${ratio(oneProcess.calls.rate, twoProcesses.calls.rate)} |
| deliveries/s (${sizes.subscribers} subscribers of one topic, 2 publishers, ${fmt(sizes.window)} deliveries outstanding) | ${fmt(oneProcess.deliveries.rate)} | ${fmt(twoProcesses.deliveries.rate)} | ${ratio(oneProcess.deliveries.rate, twoProcesses.deliveries.rate)} |
| node 1's CPU during the calls / deliveries | ${pct(oneProcess.calls.node1Cpu)} / ${pct(oneProcess.deliveries.node1Cpu)} | ${pct(twoProcesses.calls.node1Cpu)} / ${pct(twoProcesses.deliveries.node1Cpu)} | |
| the load generator's CPU | ${pct(oneProcess.calls.loadCpu)} / ${pct(oneProcess.deliveries.loadCpu)} | ${pct(twoProcesses.calls.loadCpu)} / ${pct(twoProcesses.deliveries.loadCpu)} | |
`;
}
