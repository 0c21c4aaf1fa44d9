/**
 * Where the time of a call that crosses nodes goes (issue 11, docs/scaling.md), and the same
 * before and after a change in one run.
 *
 *   node bench/cluster-crossing.mjs [--baseline REF [--baseline-files a,b]] [--rounds 3]
 *        [--seconds 3] [--rate 1000] [--tap] [--profile DIR] [--out FILE]
 *   node bench/cluster-crossing.mjs --render FILE    # the markdown again from a run's JSON
 *
 * Builds the working tree into a bundle (bench/lib/build-interchange.mjs) and, with
 * `--baseline`, a second one whose `--baseline-files` (default: packages/server/src/cluster)
 * come from commit REF. Each round starts, for each variant in turn (the order alternates
 * between rounds), a nats-server and two nodes, a callee on node 1, and calls at `--rate` per
 * second from a caller on node 1 and from one on node 2, alternated twice. Per call it records,
 * in this one process (one clock): when the CALL left, when the callee's INVOCATION came,
 * and when the RESULT came; with `--tap`, a NATS client of its own subscribed to the nodes'
 * inboxes records when the INVOCATION and the YIELD passed through NATS. Per window it reads the CPU time of both
 * nodes and of nats-server from /proc, so the cost of a crossing is also given as CPU time per
 * call, which other work on a shared machine disturbs less than latency.
 *
 * Beside the calls, the floor a crossing cannot go below: a NATS request/reply from this process
 * through another process that echoes it (targets/nats-echo.mjs), at the same rate, with
 * nothing of Interchange on the way; both transits of nats-server and one more process.
 *
 * With `--profile DIR` the nodes run with --cpu-prof and write their profiles there.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { connect as connectNats } from '@nats-io/transport-node';
import { Packr } from 'msgpackr';
import { buildInterchange } from './lib/build-interchange.mjs';
import { startNode as startClusterNode, startNats, startReporting, stopChild } from './lib/cluster-processes.mjs';
import { machine } from './lib/machine.mjs';
import { cpuSeconds } from './lib/proc-stats.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const PROCEDURE = 'bench.crossing.echo';

function options(argv) {
  const o = { rounds: 3, seconds: 3, rate: 1000, baselineFiles: ['packages/server/src/cluster'] };
  for (let i = 0; i < argv.length; i++) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (name === '--baseline') o.baseline = value;
    else if (name === '--baseline-files') o.baselineFiles = value.split(',');
    else if (name === '--rounds') o.rounds = Number(value);
    else if (name === '--seconds') o.seconds = Number(value);
    else if (name === '--rate') o.rate = Number(value);
    else if (name === '--profile') o.profile = value;
    else if (name === '--out') o.out = value;
    else if (name === '--tap') {
      o.tap = true;
      i--;
    } else throw new Error(`unknown option ${name}`);
    i++;
  }
  return o;
}

function startNode(bundle, nats, node, profile) {
  const execArgv =
    profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${node}.cpuprofile`];
  return startClusterNode(bundle, nats, node, { execArgv });
}

function startEcho(nats) {
  return startReporting('nats-echo.mjs', ['--nats', nats], { name: 'nats echo' });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const median = (list) =>
  percentile(
    [...list].sort((a, b) => a - b),
    50,
  );

/** One variant's nats-server, two nodes and sessions; `measure()` runs one window of calls. */
async function setUp(bundle, name, profile, withTap) {
  const dir = mkdtempSync(join(tmpdir(), 'interchange-crossing-nats-'));
  const nats = await startNats(dir);
  const n1 = await startNode(bundle, nats.url, `${name}-n1`, profile);
  const n2 = await startNode(bundle, nats.url, `${name}-n2`, profile);
  const echo = await startEcho(nats.url);
  const requester = await connectNats({ servers: nats.url });
  const url = (node) => `ws://127.0.0.1:${node.port}/`;
  // When each call's INVOCATION reached the callee, by call number (the call's only argument).
  const invoked = new Map();
  const callee = await connect({ url: url(n1), realm: 'realm1' });
  await callee.register(PROCEDURE, ({ args }) => {
    invoked.set(args[0], performance.now());
    return args[0];
  });
  const local = await connect({ url: url(n1), realm: 'realm1' });
  const remote = await connect({ url: url(n2), realm: 'realm1' });
  for (let i = 0; ; i++) {
    try {
      await remote.call(PROCEDURE, [-1]);
      break;
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  // When the INVOCATION ('inv') and the answer ('ans') of each call passed through NATS.
  // Off by default: its deliveries are extra work for nats-server and for this process.
  const tap = withTap ? await connectNats({ servers: nats.url }) : undefined;
  const packr = new Packr({ useRecords: false, moreTypes: false, useBigIntExtension: true });
  const passed = { inv: new Map(), ans: new Map() };
  tap?.subscribe('interchange.node.>', {
    callback: (_error, message) => {
      const at = performance.now();
      const e = packr.unpack(message.data);
      const call = Array.isArray(e.a) ? e.a[0] : undefined;
      if ((e.t === 'inv' || e.t === 'ans') && typeof call === 'number') passed[e.t].set(call, at);
    },
  });
  await tap?.flush();
  let next = 0;

  /** Calls at `rate` per second for `seconds` from `which` caller; per-call times and CPU per call. */
  async function measure(which, rate, seconds) {
    const session = which === 'local' ? local : remote;
    const total = rate * seconds;
    const first = next;
    next += total;
    const sent = new Map();
    const done = new Map();
    const pids = { n1: n1.pid, n2: n2.pid, nats: nats.child.pid };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const load0 = loadavg()[0];
    const begin = performance.now();
    const pending = [];
    for (let k = 0; k < total; k++) {
      const i = first + k;
      const due = begin + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const from = Math.min(due, performance.now());
      sent.set(i, from);
      pending.push(session.call(PROCEDURE, [i]).then(() => done.set(i, performance.now())));
    }
    await Promise.all(pending);
    const cpu = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid) - cpu0[k]]));
    const us = (list) => list.map((x) => x * 1000).sort((a, b) => a - b);
    const total1 = [];
    const out = [];
    const back = [];
    const toNats = [];
    const fromNats = [];
    const ansToNats = [];
    const ansFromNats = [];
    for (let k = 0; k < total; k++) {
      const i = first + k;
      const [t0, t1, t3] = [sent.get(i), invoked.get(i), done.get(i)];
      total1.push(t3 - t0);
      out.push(t1 - t0);
      back.push(t3 - t1);
      const [a, b] = [passed.inv.get(i), passed.ans.get(i)];
      if (a !== undefined) {
        toNats.push(a - t0);
        fromNats.push(t1 - a);
      }
      if (b !== undefined) {
        ansToNats.push(b - t1);
        ansFromNats.push(t3 - b);
      }
    }
    const p50 = (list) => (list.length === 0 ? undefined : Math.round(percentile(us(list), 50)));
    const cpuPerCall = Object.fromEntries(Object.entries(cpu).map(([k, s]) => [k, Math.round((s * 1e6) / total)]));
    return {
      p50: p50(total1),
      p99: Math.round(percentile(us(total1), 99)),
      legs: {
        out: p50(out),
        back: p50(back),
        callerNodeToNats: p50(toNats),
        natsToCallee: p50(fromNats),
        calleeToNats: p50(ansToNats),
        natsToCaller: p50(ansFromNats),
      },
      cpuPerCall,
      load: [load0, loadavg()[0]],
    };
  }

  /** NATS request/reply through the echo process at `rate` per second: p50 and CPU per request. */
  async function floor(rate, seconds) {
    const total = rate * seconds;
    const latencies = [];
    const pids = { echo: echo.pid, nats: nats.child.pid };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]));
    const payload = new Uint8Array(64);
    const begin = performance.now();
    const pending = [];
    for (let k = 0; k < total; k++) {
      const due = begin + (k * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const from = Math.min(due, performance.now());
      pending.push(
        requester.request('bench.echo', payload).then(() => latencies.push((performance.now() - from) * 1000)),
      );
    }
    await Promise.all(pending);
    const cpuPerRequest = Object.fromEntries(
      Object.entries(pids).map(([k, pid]) => [k, Math.round(((cpuSeconds(pid) - cpu0[k]) * 1e6) / total)]),
    );
    latencies.sort((a, b) => a - b);
    return { p50: Math.round(percentile(latencies, 50)), cpuPerRequest };
  }

  async function tearDown() {
    await tap?.close();
    await requester.close();
    await stopChild(echo.child, () => echo.child.send({ type: 'exit' }));
    await Promise.all([callee.leave(), local.leave(), remote.leave()]);
    for (const node of [n2, n1]) await stopChild(node.child, () => node.child.send({ type: 'exit' }));
    await stopChild(nats.child, () => nats.child.kill('SIGTERM'));
    rmSync(dir, { recursive: true, force: true });
  }
  return { measure, floor, tearDown };
}

async function main() {
  const o = options(process.argv.slice(2));
  const outDir = join(here, '.build');
  const variants = [{ name: 'tree', bundle: await buildInterchange({ root, outDir, name: 'crossing-tree' }) }];
  if (o.baseline !== undefined) {
    const bundle = await buildInterchange({
      root,
      outDir,
      name: 'crossing-baseline',
      baselineRef: o.baseline,
      baselineFiles: o.baselineFiles,
    });
    variants.unshift({ name: 'baseline', bundle });
  }
  if (o.profile !== undefined) mkdirSync(o.profile, { recursive: true });
  const rounds = [];
  for (let r = 0; r < o.rounds; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const profile = o.profile === undefined ? undefined : join(o.profile, `${variant.name}-r${r}`);
      const setup = await setUp(variant.bundle, variant.name, profile, o.tap === true);
      try {
        // Warm-up of both paths, then each measured twice, alternated.
        await setup.measure('local', o.rate, 1);
        await setup.measure('remote', o.rate, 1);
        await setup.floor(o.rate, 1);
        const windows = [];
        const floors = [];
        for (const which of ['local', 'remote', 'floor', 'local', 'remote', 'floor']) {
          if (which === 'floor') floors.push(await setup.floor(o.rate, o.seconds));
          else windows.push({ which, ...(await setup.measure(which, o.rate, o.seconds)) });
        }
        const round = { round: r, variant: variant.name, windows, floors };
        rounds.push(round);
        const show = (w) =>
          `${w.which} p50 ${w.p50} µs (out ${w.legs.out}, back ${w.legs.back}; ` +
          `caller node→NATS ${w.legs.callerNodeToNats ?? '-'}, NATS→callee ${w.legs.natsToCallee ?? '-'}, ` +
          `callee→NATS ${w.legs.calleeToNats ?? '-'}, NATS→caller ${w.legs.natsToCaller ?? '-'}) ` +
          `cpu/call n1 ${w.cpuPerCall.n1} n2 ${w.cpuPerCall.n2} nats ${w.cpuPerCall.nats} µs, load ${w.load[0].toFixed(1)}`;
        console.log(`round ${r} ${variant.name}:`);
        for (const w of windows) console.log(`  ${show(w)}`);
        for (const f of floors)
          console.log(
            `  NATS request/reply via another process p50 ${f.p50} µs, cpu/request echo ${f.cpuPerRequest.echo} nats ${f.cpuPerRequest.nats} µs`,
          );
      } finally {
        await setup.tearDown();
      }
    }
  }
  const summary = {};
  for (const variant of variants) {
    const mine = rounds.filter((r) => r.variant === variant.name).flatMap((r) => r.windows);
    const of = (which, pick) => median(mine.filter((w) => w.which === which).map(pick));
    const cpu = (w) => w.cpuPerCall.n1 + w.cpuPerCall.n2 + w.cpuPerCall.nats;
    // Each remote window against the local window just before it (same nodes, a moment apart).
    const pairs = [];
    for (let k = 1; k < mine.length; k++) {
      if (mine[k].which === 'remote' && mine[k - 1].which === 'local') pairs.push([mine[k - 1], mine[k]]);
    }
    const added = pairs.map(([l, r]) => r.p50 - l.p50);
    const addedCpu = pairs.map(([l, r]) => cpu(r) - cpu(l));
    summary[variant.name] = {
      localP50: of('local', (w) => w.p50),
      remoteP50: of('remote', (w) => w.p50),
      addedP50: median(added),
      addedP50Range: [Math.min(...added), Math.max(...added)],
      addedCpuPerCall: median(addedCpu),
      addedCpuRange: [Math.min(...addedCpu), Math.max(...addedCpu)],
      localCpuPerCall: of('local', cpu),
      remoteCpuPerCall: of('remote', cpu),
      remoteCpu: {
        n1: of('remote', (w) => w.cpuPerCall.n1),
        n2: of('remote', (w) => w.cpuPerCall.n2),
        nats: of('remote', (w) => w.cpuPerCall.nats),
      },
      legs: Object.fromEntries(
        ['out', 'back', 'callerNodeToNats', 'natsToCallee', 'calleeToNats', 'natsToCaller'].map((leg) => [
          leg,
          {
            local: of('local', (w) => w.legs[leg] ?? Number.NaN),
            remote: of('remote', (w) => w.legs[leg] ?? Number.NaN),
          },
        ]),
      ),
      load: median(mine.map((w) => w.load[0])),
      natsFloorP50: median(rounds.filter((r) => r.variant === variant.name).flatMap((r) => r.floors.map((f) => f.p50))),
      natsFloorCpu: median(
        rounds
          .filter((r) => r.variant === variant.name)
          .flatMap((r) => r.floors.map((f) => f.cpuPerRequest.echo + f.cpuPerRequest.nats)),
      ),
    };
  }
  console.log(JSON.stringify(summary, null, 1));
  const result = { meta: { ...machine(root), started: new Date().toISOString(), options: o }, summary, rounds };
  writeFileSync(join(here, 'results', 'cluster-crossing.md'), markdown(result));
  const out =
    o.out ??
    join(here, 'results', `cluster-crossing-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`);
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.log(`written ${out}`);
}

/** The BENCHMARKS.md section of a run (bench/results/cluster-crossing.md). */
function markdown({ meta, summary, rounds }) {
  const fmt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
  const names = Object.keys(summary);
  const loads = rounds.flatMap((r) => r.windows.flatMap((w) => w.load));
  const head = `| | ${names.join(' | ')} |\n|---|${names.map(() => '---:').join('|')}|`;
  const row = (label, pick) => `| ${label} | ${names.map((n) => pick(summary[n])).join(' | ')} |`;
  return `### Where a crossing call's time goes

\`node bench/cluster-crossing.mjs${meta.options.baseline === undefined ? '' : ` --baseline ${meta.options.baseline} --baseline-files ${meta.options.baselineFiles.join(',')}`} --rounds ${meta.options.rounds} --seconds ${meta.options.seconds}\`
(two nodes and a nats-server per variant and round, a callee on node 1, calls at ${fmt(meta.options.rate)}/s
from a caller on node 1 and from one on node 2, json; medians over ${meta.options.rounds} rounds × 2 windows of
${meta.options.seconds} s, the variants alternated). ${meta.cpu}, ${meta.cores} cores, Node ${meta.node}; commit
${meta.commit}${meta.dirty ? ' with uncommitted changes' : ''}; ${meta.started.slice(0, 16).replace('T', ' ')} UTC; load average
${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)} on ${meta.cores} cores during the windows (the machine is
shared with other work). CPU time per call is from /proc (10 ms ticks, summed over a window, divided by its calls).

${head}
${row('p50, caller on node 1', (x) => `${fmt(x.localP50)} µs`)}
${row('p50, caller on node 2 (crossing)', (x) => `${fmt(x.remoteP50)} µs`)}
${row('crossing adds at p50 (median of paired windows; their range)', (x) => `${fmt(x.addedP50)} µs (${fmt(x.addedP50Range[0])} to ${fmt(x.addedP50Range[1])})`)}
${row('floor: NATS request/reply through another process, p50', (x) => `${fmt(x.natsFloorP50)} µs`)}
${row('CPU per call, caller on node 1 (both nodes and nats-server)', (x) => `${fmt(x.localCpuPerCall)} µs`)}
${row('CPU per call, crossing (both nodes and nats-server)', (x) => `${fmt(x.remoteCpuPerCall)} µs`)}
${row('… of which node 1 / node 2 / nats-server', (x) => `${fmt(x.remoteCpu.n1)} / ${fmt(x.remoteCpu.n2)} / ${fmt(x.remoteCpu.nats)} µs`)}
${row('crossing adds in CPU per call (median of paired windows; their range)', (x) => `${fmt(x.addedCpuPerCall)} µs (${fmt(x.addedCpuRange[0])} to ${fmt(x.addedCpuRange[1])})`)}
${row('floor: CPU per request/reply (echo process and nats-server)', (x) => `${fmt(x.natsFloorCpu)} µs`)}
`;
}

const render = process.argv.indexOf('--render');
if (render > 0) {
  // Writes bench/results/cluster-crossing.md again from a run's JSON.
  const result = JSON.parse(readFileSync(process.argv[render + 1], 'utf8'));
  writeFileSync(join(here, 'results', 'cluster-crossing.md'), markdown(result));
} else {
  await main();
}
