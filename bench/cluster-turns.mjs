/**
 * What a cluster-wide `roundrobin` turn costs (issue 11, docs/scaling.md "Shared
 * registrations"): a nats-server and two node processes, one callee on each node of a
 * `roundrobin` registration and of a `random` one (node 1's callee registered first, so node 1
 * keeps the rotation), and a caller on each node making calls one after the other.
 *
 *   node bench/cluster-turns.mjs [--calls 2000] [--rounds 3]
 *
 * A `random` call and a `roundrobin` call from the same node travel alike (half of them cross to
 * the other node's callee), except that a `roundrobin` call made on node 2 first asks node 1 for
 * its turn: the difference of their latencies is the turn's cost. Calls from node 1 ask no one.
 * Prints per round and caller the p50 and p99 of each, in µs, and the medians over the rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@interchange/client';
import { buildInterchange } from './lib/build-interchange.mjs';
import { startNats, startNode, stopChild } from './lib/cluster-processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function options(argv) {
  const o = { calls: 2000, rounds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--calls') o.calls = Number(argv[i + 1]);
    else if (argv[i] === '--rounds') o.rounds = Number(argv[i + 1]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const median = (list) =>
  percentile(
    [...list].sort((a, b) => a - b),
    50,
  );

/**
 * Calls `procedure` `count` times in a row from `caller`: per answering node (so calls that
 * crossed and calls that did not are apart), how many, and their p50 and p99 in µs.
 */
async function measure(caller, procedure, count) {
  const times = new Map();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const { args } = await caller.call(procedure);
    const list = times.get(args[0]) ?? [];
    list.push((performance.now() - start) * 1000);
    times.set(args[0], list);
  }
  const by = {};
  for (const [node, list] of [...times].sort()) {
    list.sort((a, b) => a - b);
    by[node] = { calls: list.length, p50: percentile(list, 50), p99: percentile(list, 99) };
  }
  return by;
}

async function main() {
  const o = options(process.argv.slice(2));
  // Inside the repository: the bundle finds the package files it reads from there.
  const outDir = join(here, '.build');
  const bundle = await buildInterchange({ root, outDir, name: 'turns-tree' });
  const dir = mkdtempSync(join(tmpdir(), 'interchange-turns-nats-'));
  const nats = await startNats(dir);
  const n1 = await startNode(bundle, nats.url, 'n1');
  const n2 = await startNode(bundle, nats.url, 'n2');
  const url = (node) => `ws://127.0.0.1:${node.port}/`;
  const sessions = [];
  try {
    for (const [n, node] of [n1, n2].entries()) {
      const callee = await connect({ url: url(node), realm: 'realm1' });
      sessions.push(callee);
      for (const invoke of ['roundrobin', 'random']) {
        await callee.register(`bench.turns.${invoke}`, () => `n${n + 1}`, { invoke });
      }
      // Node 1's callee first: its node keeps the rotation.
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const callers = {
      n1: await connect({ url: url(n1), realm: 'realm1' }),
      n2: await connect({ url: url(n2), realm: 'realm1' }),
    };
    sessions.push(...Object.values(callers));
    for (const caller of Object.values(callers)) await measure(caller, 'bench.turns.roundrobin', 200);
    const results = [];
    for (let round = 0; round < o.rounds; round++) {
      for (const [from, caller] of Object.entries(callers)) {
        // Alternated, so neither policy always runs on a warmer or quieter machine.
        const order = round % 2 === 0 ? ['roundrobin', 'random'] : ['random', 'roundrobin'];
        for (const invoke of order) {
          const by = await measure(caller, `bench.turns.${invoke}`, o.calls);
          for (const [to, r] of Object.entries(by)) results.push({ round, from, to, invoke, ...r });
          const text = Object.entries(by)
            .map(([to, r]) => `to ${to}: ${r.calls} calls p50 ${r.p50.toFixed(0)} µs p99 ${r.p99.toFixed(0)} µs`)
            .join('; ');
          console.log(`round ${round} caller on ${from} ${invoke.padEnd(10)} ${text}`);
        }
      }
    }
    console.log(
      `\nload average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}; medians of the p50s over ${o.rounds} rounds of ${o.calls} calls:`,
    );
    for (const from of ['n1', 'n2']) {
      for (const to of ['n1', 'n2']) {
        const p50 = (invoke) =>
          median(results.filter((r) => r.from === from && r.to === to && r.invoke === invoke).map((r) => r.p50));
        const [rr, rnd] = [p50('roundrobin'), p50('random')];
        console.log(
          `caller on ${from}, callee on ${to}: roundrobin ${rr.toFixed(0)} µs, random ${rnd.toFixed(0)} µs, difference ${(rr - rnd).toFixed(0)} µs`,
        );
      }
    }
  } finally {
    for (const s of sessions) await s.leave().catch(() => undefined);
    await stopChild(n2.child);
    await stopChild(n1.child);
    await stopChild(nats.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
