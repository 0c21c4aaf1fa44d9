#!/usr/bin/env node
/**
 * What the metrics' counting costs on the hot path: Interchange with and without the counters
 * (the router's RouterStats and the transports' byte sums), side by side, in interleaved rounds.
 * "Before" is `interchange-baseline` built with packages/router/src and packages/server/src of a
 * commit without the counters; "after" is the working tree. Neither configures a metrics path:
 * counting is always on, prom-client only reads the counters when scraped.
 *
 * On a busy machine one cell is one noisy sample: each cell runs several rounds (who goes first
 * alternates), and the report keeps the median rate and the median rate per second of router CPU
 * (what a message costs the router, less sensitive to how much CPU the router was given).
 *
 *   npm run bench -- ... is the full comparison; this is the counting cost only:
 *   node bench/counting-cost.mjs                    3 rounds, rpc-throughput and fanout (100, 1000), json
 *   node bench/counting-cost.mjs --rounds 5 --serializers json,msgpack --baseline REF
 *
 * Writes bench/results/counting-cost.json, which `node bench/report.mjs` puts into BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildInterchange } from './lib/build-interchange.mjs';
import { runCell } from './lib/cell.mjs';
import { machine } from './lib/machine.mjs';
import { canPin, killAll } from './lib/processes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const TARGETS = ['interchange-baseline', 'interchange'];
/** main before the counters were added. */
const DEFAULT_BASELINE = 'cf15266a8aa8169d17f9d00335d21baf4635a4f5';
const BASELINE_FILES = ['packages/router/src', 'packages/server/src'];

function parse(argv) {
  const options = {
    rounds: 3,
    serializers: ['json'],
    fanout: [100, 1000],
    baseline: DEFAULT_BASELINE,
    warmupMs: 500,
    durationMs: 1500,
    out: join(here, 'results', 'counting-cost.json'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--rounds') options.rounds = Number(value);
    else if (name === '--serializers') options.serializers = value.split(',');
    else if (name === '--fanout') options.fanout = value.split(',').map(Number);
    else if (name === '--baseline') options.baseline = value;
    else if (name === '--duration') options.durationMs = Number(value) * 1000;
    else if (name === '--out') options.out = value;
    else
      throw new Error(
        `unknown option ${name} (--rounds N, --serializers a,b, --fanout 100,1000, --baseline REF, --duration S, --out FILE)`,
      );
  }
  if (!(Number.isInteger(options.rounds) && options.rounds > 0)) throw new Error('--rounds must be a positive integer');
  return options;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  const options = parse(process.argv.slice(2));
  const started = Date.now();
  const buildDir = join(here, '.build');
  const bundles = {
    interchange: await buildInterchange({ root, outDir: buildDir, name: 'interchange' }),
    'interchange-baseline': await buildInterchange({
      root,
      outDir: buildDir,
      name: 'interchange-baseline',
      baselineRef: options.baseline,
      baselineFiles: BASELINE_FILES,
    }),
  };
  const context = {
    here,
    peersDir: join(here, '.peers'),
    bundles,
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs, callers: 4, inflight: 512 },
    interchangeFlags: [],
    results: [],
  };
  const cells = [];
  for (const serializer of options.serializers) {
    cells.push({ scenario: 'rpc-throughput', serializer, params: { callers: 4, inflight: 512 } });
    for (const subscribers of options.fanout)
      cells.push({ scenario: 'fanout', serializer, params: { subscribers, windows: [20_000, 100_000] } });
  }
  const name = (cell) =>
    `${cell.scenario} ${cell.serializer}${cell.params.subscribers ? ` ${cell.params.subscribers} subscribers` : ''}`;
  const samples = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate who goes first, so a slow stretch of the machine does not always hit the same one.
    const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
    for (const cell of cells) {
      for (const target of order) {
        const r = await runCell({ ...cell, target }, context);
        samples.push(
          r.ok
            ? { cell: name(cell), target, round, ok: true, rate: r.rate, unit: r.unit, routerCpu: r.routerCpu }
            : { cell: name(cell), target, round, ok: false, error: r.error },
        );
        console.log(
          r.ok
            ? `round ${round + 1} ${name(cell)} ${target}: ${Math.round(r.rate)} ${r.unit}, router cpu ${Math.round(r.routerCpu * 100)}%`
            : `round ${round + 1} ${name(cell)} ${target}: FAILED ${r.error}`,
        );
      }
    }
  }
  const summary = cells.map((cell) => {
    const of = (target) => samples.filter((s) => s.ok && s.cell === name(cell) && s.target === target);
    const stats = (list) => ({
      rounds: list.length,
      rate: median(list.map((s) => s.rate)),
      perCpu: median(list.filter((s) => s.routerCpu > 0).map((s) => s.rate / s.routerCpu)),
      routerCpu: median(list.map((s) => s.routerCpu)),
    });
    return {
      cell: name(cell),
      unit: of('interchange')[0]?.unit,
      before: stats(of(TARGETS[0])),
      after: stats(of(TARGETS[1])),
    };
  });
  // The router core alone, same bundles, interleaved, pinned to core 0 when taskset exists.
  const micro = [];
  for (const scenario of ['rpc', 'fanout']) {
    const runs = { 'interchange-baseline': [], interchange: [] };
    for (let round = 0; round < options.rounds * 2; round++) {
      const order = round % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        const args = [join(here, 'lib', 'router-core-micro.mjs'), bundles[target], scenario];
        const out = canPin
          ? execFileSync('taskset', ['-c', '0', process.execPath, ...args], { cwd: root, encoding: 'utf8' })
          : execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
        runs[target].push(JSON.parse(out.trim().split('\n').at(-1)).ns);
      }
    }
    const best = (list) => Math.min(...list);
    micro.push({
      scenario,
      unit: scenario === 'rpc' ? 'ns per call' : 'ns per delivery',
      before: { median: median(runs[TARGETS[0]]), best: best(runs[TARGETS[0]]) },
      after: { median: median(runs[TARGETS[1]]), best: best(runs[TARGETS[1]]) },
    });
    console.log(
      `router core ${scenario}: before ${runs[TARGETS[0]].map(Math.round)}, after ${runs[TARGETS[1]].map(Math.round)}`,
    );
  }
  const meta = {
    ...machine(root),
    pinned: canPin,
    rounds: options.rounds,
    baselineRef: options.baseline,
    baselineFiles: BASELINE_FILES,
    sizes: { warmupMs: options.warmupMs, durationMs: options.durationMs },
    loadAverage: (await import('node:os')).loadavg()[0],
  };
  meta.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify({ meta, summary, micro, samples }, null, 1)}\n`);
  for (const s of summary)
    console.log(
      `${s.cell}: before ${Math.round(s.before.rate)}, after ${Math.round(s.after.rate)} ${s.unit}; per router CPU-second ${Math.round(s.before.perCpu)} -> ${Math.round(s.after.perCpu)}`,
    );
  console.log(`results: ${options.out} (${meta.seconds} s)`);
  return samples.some((s) => !s.ok) ? 1 : 0;
}

main()
  .then((code) => {
    killAll();
    process.exitCode = code;
  })
  .catch((error) => {
    console.error(error);
    killAll();
    process.exitCode = 1;
  });
