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
import { machine } from './lib/machine.mjs';
import { canPin } from './lib/processes.mjs';
import {
  cellName,
  interleaved,
  median,
  parseRoundsOptions,
  ROUNDS_FLAGS,
  ROUNDS_USAGE,
  read,
  runMain,
  throughputRounds,
} from './lib/rounds.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const TARGETS = ['interchange-baseline', 'interchange'];
/** main before the counters were added. */
const DEFAULT_BASELINE = 'cf15266a8aa8169d17f9d00335d21baf4635a4f5';
const BASELINE_FILES = ['packages/router/src', 'packages/server/src'];

function parse(argv) {
  const defaults = {
    rounds: 3,
    serializers: ['json'],
    fanout: [100, 1000],
    baseline: DEFAULT_BASELINE,
    warmupMs: 500,
    durationMs: 1500,
    out: join(here, 'results', 'counting-cost.json'),
  };
  const flags = { ...ROUNDS_FLAGS, '--baseline': ['baseline', read.text] };
  return parseRoundsOptions(argv, defaults, flags, `${ROUNDS_USAGE}, --baseline REF`);
}

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
  const samples = await throughputRounds({ rounds: options.rounds, cells, targets: TARGETS, context });
  const summary = cells.map((cell) => {
    const of = (target) => samples.filter((s) => s.ok && s.cell === cellName(cell) && s.target === target);
    const stats = (list) => ({
      rounds: list.length,
      rate: median(list.map((s) => s.rate)),
      perCpu: median(list.filter((s) => s.routerCpu > 0).map((s) => s.rate / s.routerCpu)),
      routerCpu: median(list.map((s) => s.routerCpu)),
    });
    return {
      cell: cellName(cell),
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
      const order = interleaved(TARGETS, round);
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

runMain(main);
